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
        {{ iso_date('due_date') }} as due_date,
        {{ money('invoice_extension') }} as invoice_extension,
        coalesce({{ money('sales_tax_amount') }}, 0) as sales_tax_amount,
        {{ rate('retention_percent') }} as retention_percent,
        coalesce({{ money('retention_amount') }}, 0) as retention_amount,
        {{ money('invoice_total') }} as invoice_total,
        {{ trimmed('batch_code') }} as batch_code,
        {{ trimmed('remarks') }} as remarks,
        cast({{ trimmed('application_number') }} as integer) as application_number
    from source
)

select * from renamed
