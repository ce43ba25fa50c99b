with source as (
    select * from {{ raw_rows('spectrum', 'ar_invoices', ['company_code', 'customer_code', 'invoice_or_transaction']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('customer_code') }} as customer_code,
        {{ trimmed('job_number') }} as job_number,
        {{ trimmed('invoice_or_transaction') }} as invoice_number,
        {{ trimmed('transaction_type') }} as transaction_type,
        {{ iso_date('invoice_date') }} as invoice_date,
        {{ iso_date('gl_date') }} as gl_date,
        {{ trimmed('terms_code') }} as terms_code,
        {{ money('invoice_extension') }} as invoice_extension,
        coalesce({{ money('sales_tax_amount') }}, 0) as sales_tax_amount,
        {{ rate('retention_percent') }} as retention_percent,
        coalesce({{ money('retention_amount') }}, 0) as retention_amount,
        {{ trimmed('batch_code') }} as batch_code,
        {{ trimmed('remarks') }} as remarks
    from source
),

-- The real header has no total and no due date: the total is the extension plus tax, and the due date
-- follows from the terms code (var spectrum_terms_days; null for a code it does not list).
final as (
    select
        *,
        {{ terms_due_date('invoice_date', 'terms_code') }} as due_date,
        cast(invoice_extension + sales_tax_amount as decimal(18, 2)) as invoice_total
    from renamed
)

select * from final
