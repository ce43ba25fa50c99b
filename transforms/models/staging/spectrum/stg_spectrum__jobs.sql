with source as (
    select * from {{ raw_rows('spectrum', 'jobs', ['company_code', 'job_number']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('job_number') }} as job_number,
        {{ trimmed('job_description') }} as job_description,
        {{ trimmed('customer_code') }} as customer_code,
        {{ trimmed('job_type') }} as job_type,
        {{ trimmed('status_code') }} as status_code,
        {{ trimmed('contract_number') }} as contract_number,
        {{ trimmed('price_method_code') }} as price_method_code,
        {{ money('original_contract') }} as original_contract,
        {{ iso_date('start_date') }} as start_date,
        {{ iso_date('complete_date') }} as complete_date,
        {{ iso_date('est_complete_date') }} as est_complete_date,
        {{ iso_date('create_date') }} as create_date
    from source
)

select * from renamed
