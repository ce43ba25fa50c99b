with source as (
    select * from {{ raw_rows('spectrum', 'ar_contracts', ['company_code', 'job_number', 'customer_code']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('job_number') }} as job_number,
        {{ trimmed('customer_code') }} as customer_code,
        {{ money('original_contract') }} as original_contract,
        {{ money('change_orders') }} as change_orders,
        {{ money('revised_contract') }} as revised_contract,
        {{ rate('retention_percent') }} as retention_percent,
        {{ money('billed_to_date') }} as billed_to_date,
        {{ money('retention_held') }} as retention_held,
        {{ trimmed('billing_type') }} as billing_type,
        {{ trimmed('status_code') }} as status_code
    from source
)

select * from renamed
