-- AR as of the close (the last day of var('close_period')), rebuilt from Spectrum's history rather than read
-- from today's open items: invoices dated on or before period end, less the cash, discounts and adjustments
-- dated on or before it. Trade AR is aged by days past due; retainage receivable is carried apart, unaged,
-- with its job (it falls due on the contract's terms, not the invoice's). Definition: fct_ar_aging.yml.
{%- set adjustment_sign = '+' if var('ar_adjustment_reduces_balance') else '-' %}

with invoices as (
    select * from {{ ref('stg_spectrum__ar_invoices') }}
    where transaction_type = 'I' and invoice_date <= {{ close_period_end() }}
),

-- Cash with no date cannot be placed before or after the close: it is left out, as a later payment is.
cash_to_period_end as (
    select
        company_code,
        customer_code,
        invoice_number,
        sum(payment_amount + discount_amount {{ adjustment_sign }} adjustment_amount) as applied,
        sum(retention_paid) as retention_collected
    from {{ ref('stg_spectrum__ar_payments') }}
    where transaction_date <= {{ close_period_end() }}
    group by company_code, customer_code, invoice_number
),

customers as (
    select company_code, customer_code, customer_key from {{ ref('int_customer_xref') }}
),

balances as (
    select
        i.company_code,
        i.customer_code as spectrum_customer_code,
        i.invoice_number as canonical_invoice_number,
        i.job_number,
        i.invoice_date,
        i.due_date,
        i.invoice_total,
        i.retention_amount as retainage_billed,
        coalesce(c.applied, 0) as cash_applied,
        coalesce(c.retention_collected, 0) as retainage_collected,
        -- trade: the invoice less its retainage, less what was applied to it other than retainage
        i.invoice_total - i.retention_amount
            - (coalesce(c.applied, 0) - coalesce(c.retention_collected, 0)) as net_balance,
        i.retention_amount - coalesce(c.retention_collected, 0) as retainage_held
    from invoices as i
    left join cash_to_period_end as c
        on c.company_code = i.company_code and c.customer_code = i.customer_code
        and c.invoice_number = i.invoice_number
),

aged as (
    select
        b.*,
        {{ close_period_end() }} as as_of_date,
        {{ days_between('coalesce(b.due_date, b.invoice_date)', close_period_end()) }} as days_past_due
    from balances as b
    where b.net_balance <> 0 or b.retainage_held <> 0
),

bucketed as (
    select
        *,
        net_balance + retainage_held as gross_balance,
        case
            when net_balance = 0 then 'none'
            when days_past_due <= 0 then 'current'
            when days_past_due <= 30 then '1-30'
            when days_past_due <= 60 then '31-60'
            when days_past_due <= 90 then '61-90'
            else '90+'
        end as aging_bucket
    from aged
),

final as (
    select
        cast('{{ var("close_period") | string | trim }}' as {{ dbt.type_string() }}) as close_period,
        b.as_of_date,
        b.company_code,
        b.spectrum_customer_code,
        coalesce(cu.customer_key, {{ dbt.concat(["'spectrum:'", 'b.company_code', "':'", 'b.spectrum_customer_code']) }}) as customer_key,
        b.canonical_invoice_number,
        b.job_number,
        b.invoice_date,
        b.due_date,
        b.days_past_due,
        cast(b.invoice_total as decimal(18, 2)) as invoice_total,
        cast(b.retainage_billed as decimal(18, 2)) as retainage_billed,
        cast(b.cash_applied as decimal(18, 2)) as cash_applied,
        cast(b.retainage_collected as decimal(18, 2)) as retainage_collected,
        cast(b.gross_balance as decimal(18, 2)) as gross_balance,
        cast(b.retainage_held as decimal(18, 2)) as retainage_held,
        cast(b.net_balance as decimal(18, 2)) as net_balance,
        b.aging_bucket,
        {% for bucket, name in [('current', 'current'), ('1-30', '1_30'), ('31-60', '31_60'), ('61-90', '61_90'), ('90+', 'over_90')] %}
        cast(case when b.aging_bucket = '{{ bucket }}' then b.net_balance else 0 end as decimal(18, 2)) as net_{{ name }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from bucketed as b
    left join customers as cu
        on cu.company_code = b.company_code and cu.customer_code = b.spectrum_customer_code
)

select * from final
