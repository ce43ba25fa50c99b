with source as (
    select * from {{ raw_rows('spectrum', 'subcontracts', ['company_code', 'vendor_code', 'subcontract_number']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('vendor_code') }} as vendor_code,
        {{ trimmed('subcontract_number') }} as subcontract_number,
        {{ trimmed('job_number') }} as job_number,
        {{ trimmed('status_code') }} as status_code,
        {{ iso_date('date_issued') }} as date_issued,
        {{ money('original_amount') }} as original_contract_amount,
        {{ money('total_billed') }} as billed_to_date,
        {{ money('retention_balance') }} as retention_held,
        {{ trimmed('insurance_cert_flag') }} as insurance_cert_flag
    from source
)

select * from renamed
