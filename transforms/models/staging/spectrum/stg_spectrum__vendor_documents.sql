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
        {{ trimmed('status') }} as status
    from source
)

select * from renamed
