with source as (
    select * from {{ raw_rows('spectrum', 'ap_payments', ['company_code', 'vendor_code', 'invoice_number', 'check_number'], deletions=true) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('vendor_code') }} as vendor_code,
        {{ trimmed('invoice_number') }} as invoice_number,
        {{ trimmed('check_number') }} as check_number,
        {{ iso_date('check_date') }} as check_date,
        coalesce({{ money('payment_amount') }}, 0) as payment_amount,
        coalesce({{ money('discount_taken') }}, 0) as discount_amount,
        -- The part of the check that releases retainage held on the invoice (not trade AP).
        coalesce({{ money('retention_paid') }}, 0) as retention_paid
    from source
)

select * from renamed
