-- CFO: how long does a dollar stay out? By month, from the ledger of record:
--   DSO (net of retainage) = AR net of retainage at month end / billings in the month x days in month
--   DPO                    = AP open at month end / vendor invoices in the month x days in month
--   CCC                    = DSO - DPO (no inventory term: materials are bought for jobs)
-- AR at month end = invoices dated to then (total less retention) less cash dated to then (payments and
-- discounts less retention released); AP likewise from vendor invoices and checks.
with ar_invoices as (
    select * from {{ ref('stg_spectrum__ar_invoices') }} where transaction_type = 'I'
),

ar_cash as (
    select * from {{ ref('stg_spectrum__ar_payments') }}
),

ap_invoices as (
    select * from {{ ref('stg_spectrum__ap_invoices') }}
),

ap_cash as (
    select * from {{ ref('stg_spectrum__ap_payments') }}
),

months as (
    select distinct cast({{ dbt.date_trunc('month', 'invoice_date') }} as date) as month_start
    from ar_invoices
    where invoice_date <= {{ as_of_date() }}
),

bounds as (
    select
        month_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }} as date) as month_end,
        {{ dbt.datediff('month_start', dbt.dateadd('month', 1, 'month_start'), 'day') }} as days_in_month
    from months
),

measured as (
    select
        b.month_start,
        b.month_end,
        b.days_in_month,
        (select coalesce(sum(i.invoice_total), 0) from ar_invoices as i
          where i.invoice_date between b.month_start and b.month_end) as billings,
        (select coalesce(sum(i.invoice_total - i.retention_amount), 0) from ar_invoices as i
          where i.invoice_date <= b.month_end)
        - (select coalesce(sum(c.payment_amount + c.discount_amount - c.retention_paid), 0) from ar_cash as c
            where c.transaction_date <= b.month_end) as ar_net_of_retainage,
        (select coalesce(sum(a.invoice_amount), 0) from ap_invoices as a
          where a.invoice_date between b.month_start and b.month_end) as vendor_invoices,
        (select coalesce(sum(a.invoice_amount), 0) from ap_invoices as a where a.invoice_date <= b.month_end)
        - (select coalesce(sum(p.payment_amount + p.discount_amount), 0) from ap_cash as p
            where p.check_date <= b.month_end) as ap_open
    from bounds as b
),

final as (
    select
        month_start,
        month_end,
        days_in_month,
        billings,
        ar_net_of_retainage,
        vendor_invoices,
        ap_open,
        case when billings <> 0
             then cast(round(ar_net_of_retainage / billings * days_in_month, 2) as decimal(9, 2)) end as dso_net_of_retainage,
        case when vendor_invoices <> 0
             then cast(round(ap_open / vendor_invoices * days_in_month, 2) as decimal(9, 2)) end as dpo,
        case when billings <> 0 and vendor_invoices <> 0
             then cast(round(ar_net_of_retainage / billings * days_in_month, 2)
                       - round(ap_open / vendor_invoices * days_in_month, 2) as decimal(9, 2)) end as cash_conversion_cycle
    from measured
)

select * from final
