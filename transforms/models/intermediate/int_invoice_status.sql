-- Spectrum's financial view of each AR invoice: what was billed, what cash was applied, what is open and
-- how much of the open balance is retainage.
with invoices as (
    select * from {{ ref('int_ar_invoices') }} where transaction_type = 'I'
),

open_items as (
    select
        company_code, customer_code, invoice_number,
        sum(invoice_balance) as open_balance,
        sum(retention_balance) as retention_balance
    from {{ ref('stg_spectrum__ar_open_items') }}
    where transaction_type = 'I'
    group by company_code, customer_code, invoice_number
),

cash as (
    select
        company_code, customer_code, invoice_number,
        sum(payment_amount + discount_amount) as cash_applied,
        sum(retention_paid) as retention_paid,
        max(transaction_date) as last_payment_date
    from {{ ref('stg_spectrum__ar_payments') }}
    group by company_code, customer_code, invoice_number
),

final as (
    select
        i.company_code,
        i.customer_code,
        i.invoice_number,
        i.job_number,
        i.invoice_date,
        i.due_date,
        i.invoice_total,
        i.invoice_extension,
        i.sales_tax_amount,
        i.retention_percent,
        i.retention_amount,
        i.application_number,
        coalesce(c.cash_applied, 0) as cash_applied,
        c.last_payment_date,
        coalesce(oi.open_balance, 0) as open_balance,
        coalesce(oi.retention_balance, 0) as retention_balance,
        case
            when coalesce(oi.open_balance, 0) = 0 then 'paid'
            when oi.retention_balance > 0 and oi.open_balance <= oi.retention_balance then 'retention_held'
            when oi.open_balance >= i.invoice_total then 'open'
            else 'partial'
        end as spectrum_status
    from invoices as i
    left join open_items as oi
        on oi.company_code = i.company_code and oi.customer_code = i.customer_code
        and oi.invoice_number = i.invoice_number
    left join cash as c
        on c.company_code = i.company_code and c.customer_code = i.customer_code
        and c.invoice_number = i.invoice_number
)

select * from final
