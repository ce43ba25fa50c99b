with source as (
    select * from {{ raw_rows('spectrum', 'ap_invoices', ['company_code', 'vendor_code', 'invoice_number']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('vendor_code') }} as vendor_code,
        {{ trimmed('invoice_number') }} as invoice_number,
        {{ trimmed('invoice_type_code') }} as invoice_type_code,
        -- Spectrum keeps AP dates as a list: 1 invoice, 3 GL (inferred), 4 due.
        {{ iso_date('date_list1') }} as invoice_date,
        {{ iso_date('date_list3') }} as gl_date,
        {{ iso_date('date_list4') }} as due_date,
        {{ money('invoice_amount') }} as invoice_amount,
        coalesce({{ money('retention_amount') }}, 0) as retention_amount,
        {{ trimmed('contract_number') }} as subcontract_number,
        {{ trimmed('po_number') }} as po_number,
        {{ trimmed('status') }} as status,
        {{ trimmed('check_number') }} as check_number,
        {{ iso_date('check_date') }} as check_date
    from source
)

select * from renamed
