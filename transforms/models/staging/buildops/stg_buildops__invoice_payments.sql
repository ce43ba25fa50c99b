with source as (
    select * from {{ source('buildops', 'invoice_payments') }}
),

renamed as (
    select
        invoiceid as invoice_id,
        {{ trimmed('paymentnumber') }} as payment_number,
        paymentstatus as payment_status,
        {{ money('paymentamount') }} as payment_amount,
        coalesce({{ money("appliedamount") }}, {{ money("paymentamount") }}, 0) as applied_amount,
        {{ iso_date('paymentdate') }} as payment_date
    from source
)

select * from renamed
