with source as (
    select * from {{ raw_rows('spectrum', 'subcontract_phases', ['company_code', 'vendor_code', 'subcontract_number', 'phase_code', 'cost_type']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('vendor_code') }} as vendor_code,
        {{ trimmed('subcontract_number') }} as subcontract_number,
        {{ trimmed('phase_code') }} as phase_code,
        {{ trimmed('cost_type') }} as cost_type,
        coalesce({{ money('original_contract_amount') }}, 0) as original_contract_amount,
        coalesce({{ money('amount_billed_to_date') }}, 0) as billed_to_date,
        {{ trimmed('retention_flag') }} as retention_flag
    from source
)

select * from renamed
