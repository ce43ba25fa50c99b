with source as (
    select * from {{ raw_rows('spectrum', 'progress_billings', ['company_code', 'job_number', 'customer_code', 'application_number']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('job_number') }} as job_number,
        {{ trimmed('customer_code') }} as customer_code,
        cast({{ trimmed('application_number') }} as integer) as application_number,
        {{ iso_date('application_date') }} as application_date,
        {{ iso_date('period_end_date') }} as period_end_date,
        {{ money('revised_contract_amount') }} as revised_contract_amount,
        {{ money('complete_to_date') }} as complete_to_date,
        {{ rate('retention_percent') }} as retention_percent,
        coalesce({{ money('retention_amount') }}, 0) as retention_amount,
        {{ money('amount_due') }} as amount_due,
        {{ trimmed('invoice_sequence') }} as invoice_number,
        {{ trimmed('post_flag') }} as status_code
    from source
)

select * from renamed
