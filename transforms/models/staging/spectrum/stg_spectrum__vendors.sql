with source as (
    select * from {{ raw_rows('spectrum', 'vendors', ['company_code', 'vendor_code']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('vendor_code') }} as vendor_code,
        {{ trimmed('vendor_name') }} as vendor_name,
        {{ trimmed('type') }} as vendor_type,
        {{ trimmed('status') }} as status,
        {{ trimmed('insurance_cert_flag') }} as insurance_cert_flag,
        {{ iso_date('insurance_exp_date') }} as insurance_exp_date,
        {{ trimmed('hold_flag') }} as hold_flag,
        {{ trimmed('fed_id_number') }} as fed_id_number,
        {{ trimmed('terms_days') }} as terms_days
    from source
)

select * from renamed
