with source as (
    select * from {{ raw_rows('spectrum', 'vendor_compliance', ['company_code', 'vendor_code', 'subcontract_number', 'tracking_item_code']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('vendor_code') }} as vendor_code,
        {{ trimmed('subcontract_number') }} as subcontract_number,
        upper({{ trimmed('tracking_item_code') }}) as tracking_item_code,
        {{ trimmed('description') }} as description,
        {{ iso_date('received_date') }} as received_date,
        {{ iso_date('expiration_date') }} as expiration_date,
        {{ trimmed('hold_invoices_flag') }} as hold_invoices_flag,
        {{ trimmed('status') }} as status,
        -- A certificate of insurance's terms (the twin's guess at where they live: unverified).
        {{ money('gl_each_occurrence') }} as gl_each_occurrence,
        {{ money('gl_aggregate') }} as gl_aggregate,
        {{ money('auto_liability') }} as auto_liability,
        {{ money('umbrella_limit') }} as umbrella_limit,
        upper({{ trimmed('additional_insured') }}) = 'Y' as additional_insured,
        upper({{ trimmed('waiver_of_subrogation') }}) = 'Y' as waiver_of_subrogation
    from source
)

select * from renamed
