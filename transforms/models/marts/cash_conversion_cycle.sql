-- CFO: how long a dollar stays out, per closed month, from the ledger of record (Spectrum), with numerator and
-- denominator on the same basis - net of retainage, both. Definition and formulas: cash_conversion_cycle.yml.
{%- set adjustment_sign = '+' if var('ar_adjustment_reduces_balance') else '-' %}

with ar_billed as (
    select
        cast({{ dbt.date_trunc('month', 'invoice_date') }} as date) as month_start,
        sum(invoice_total - retention_amount) as billed
    from {{ ref('stg_spectrum__ar_invoices') }}
    where transaction_type = 'I' and invoice_date is not null
    group by 1
),

ar_collected as (
    select
        cast({{ dbt.date_trunc('month', 'transaction_date') }} as date) as month_start,
        sum(payment_amount + discount_amount {{ adjustment_sign }} adjustment_amount - retention_paid) as collected
    from {{ ref('stg_spectrum__ar_payments') }}
    where transaction_date is not null
    group by 1
),

ap_billed as (
    select
        cast({{ dbt.date_trunc('month', 'invoice_date') }} as date) as month_start,
        sum(invoice_amount - retention_amount) as billed
    from {{ ref('stg_spectrum__ap_invoices') }}
    where invoice_date is not null
    group by 1
),

ap_paid as (
    select
        cast({{ dbt.date_trunc('month', 'check_date') }} as date) as month_start,
        sum(payment_amount + discount_amount - retention_paid) as paid
    from {{ ref('stg_spectrum__ap_payments') }}
    where check_date is not null
    group by 1
),

months as (
    select month_start from ar_billed
    union select month_start from ar_collected
    union select month_start from ap_billed
    union select month_start from ap_paid
),

flows as (
    select
        m.month_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'm.month_start')) }} as date) as month_end,
        {{ dbt.datediff('m.month_start', dbt.dateadd('month', 1, 'm.month_start'), 'day') }} as days_in_month,
        coalesce(rb.billed, 0) as billings_net_of_retainage,
        coalesce(rc.collected, 0) as ar_collected,
        coalesce(pb.billed, 0) as vendor_invoices_net_of_retainage,
        coalesce(pp.paid, 0) as ap_paid
    from months as m
    left join ar_billed as rb on rb.month_start = m.month_start
    left join ar_collected as rc on rc.month_start = m.month_start
    left join ap_billed as pb on pb.month_start = m.month_start
    left join ap_paid as pp on pp.month_start = m.month_start
),

running as (
    select
        month_start,
        month_end,
        days_in_month,
        billings_net_of_retainage,
        vendor_invoices_net_of_retainage,
        sum(billings_net_of_retainage - ar_collected) over (
            order by month_start rows between unbounded preceding and current row) as ar_net_of_retainage,
        sum(vendor_invoices_net_of_retainage - ap_paid) over (
            order by month_start rows between unbounded preceding and current row) as ap_net_of_retainage,
        sum(billings_net_of_retainage) over (
            order by month_start rows between 2 preceding and current row) as billings_3m,
        sum(vendor_invoices_net_of_retainage) over (
            order by month_start rows between 2 preceding and current row) as vendor_invoices_3m,
        sum(days_in_month) over (order by month_start rows between 2 preceding and current row) as days_3m,
        count(*) over (order by month_start rows between 2 preceding and current row) as months_in_window
    from flows
),

-- Closed months only: ended on or before the close period's last day and on or before the as-of date (a month
-- still running would divide a whole month's AR by part of its billings).
closed as (
    select * from running
    where month_end <= {{ close_period_end() }} and month_end <= {{ as_of_date() }}
),

days as (
    select
        *,
        case when billings_net_of_retainage <> 0 then cast(round(
            ar_net_of_retainage * days_in_month / billings_net_of_retainage, 2) as decimal(9, 2)) end as dso,
        case when vendor_invoices_net_of_retainage <> 0 then cast(round(
            ap_net_of_retainage * days_in_month / vendor_invoices_net_of_retainage, 2) as decimal(9, 2)) end as dpo,
        case when months_in_window = 3 and billings_3m <> 0 then cast(round(
            ar_net_of_retainage * days_3m / billings_3m, 2) as decimal(9, 2)) end as dso_trailing_3m,
        case when months_in_window = 3 and vendor_invoices_3m <> 0 then cast(round(
            ap_net_of_retainage * days_3m / vendor_invoices_3m, 2) as decimal(9, 2)) end as dpo_trailing_3m
    from closed
),

final as (
    select
        month_start,
        month_end,
        days_in_month,
        cast(billings_net_of_retainage as decimal(18, 2)) as billings_net_of_retainage,
        cast(ar_net_of_retainage as decimal(18, 2)) as ar_net_of_retainage,
        cast(vendor_invoices_net_of_retainage as decimal(18, 2)) as vendor_invoices_net_of_retainage,
        cast(ap_net_of_retainage as decimal(18, 2)) as ap_net_of_retainage,
        dso as dso_net_of_retainage,
        dpo,
        cast(dso - dpo as decimal(9, 2)) as cash_conversion_cycle,
        case when months_in_window = 3 then cast(billings_3m as decimal(18, 2)) end as billings_trailing_3m,
        case when months_in_window = 3 then cast(vendor_invoices_3m as decimal(18, 2)) end as vendor_invoices_trailing_3m,
        case when months_in_window = 3 then days_3m end as days_trailing_3m,
        dso_trailing_3m,
        dpo_trailing_3m,
        cast(dso_trailing_3m - dpo_trailing_3m as decimal(9, 2)) as cash_conversion_cycle_trailing_3m
    from days
)

select * from final
