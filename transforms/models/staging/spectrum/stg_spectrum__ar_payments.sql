with source as (
    select * from {{ raw_rows('spectrum', 'ar_payments', ['company_code', 'customer_code', 'invoice_or_transaction', 'transaction_type', 'transaction_date', 'reference_number'], deletions=true) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('customer_code') }} as customer_code,
        {{ trimmed('job_number') }} as job_number,
        {{ trimmed('invoice_or_transaction') }} as invoice_number,
        {{ trimmed('transaction_type') }} as transaction_type,
        {{ iso_date('transaction_date') }} as transaction_date,
        {{ trimmed('reference_number') }} as reference_number,
        coalesce({{ money('payment_amount') }}, 0) as payment_amount,
        coalesce({{ money('discount_amount') }}, 0) as discount_amount,
        coalesce({{ money('adjustment_amount') }}, 0) as adjustment_amount,
        coalesce({{ money('retention_paid') }}, 0) as retention_paid
    from source
)

select * from renamed
