with source as (
    select * from {{ raw_rows('spectrum', 'ar_open_items', ['company_code', 'customer_code', 'invoice_or_transaction', 'transaction_type']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('customer_code') }} as customer_code,
        {{ trimmed('job_number') }} as job_number,
        {{ trimmed('invoice_or_transaction') }} as invoice_number,
        {{ trimmed('transaction_type') }} as transaction_type,
        {{ iso_date('invoice_date') }} as invoice_date,
        {{ iso_date('due_date') }} as due_date,
        {{ money('invoice_amount') }} as invoice_amount,
        coalesce({{ money('retention_amount') }}, 0) as retention_amount,
        coalesce({{ money('amount_paid') }}, 0) as amount_paid,
        {{ money('invoice_balance') }} as invoice_balance,
        coalesce({{ money('retention_balance') }}, 0) as retention_balance
    from source
)

select * from renamed
