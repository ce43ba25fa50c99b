-- AP as of the close (definition: fct_ap_aging.yml), rebuilt from every invoice entered and the check history
-- to the period end; retention payable apart and unaged, trade AP aged by days past due.
with invoices as (
    select * from {{ ref('stg_spectrum__ap_invoices') }}
    where invoice_date <= {{ close_period_end() }}
),

-- A check with no date cannot be placed before or after the close: it is left out, as a later one is.
paid_to_period_end as (
    select
        company_code,
        vendor_code,
        invoice_number,
        sum(payment_amount + discount_amount) as paid,
        sum(retention_paid) as retention_paid
    from {{ ref('stg_spectrum__ap_payments') }}
    where check_date <= {{ close_period_end() }}
    group by company_code, vendor_code, invoice_number
),

balances as (
    select
        i.company_code,
        i.vendor_code,
        i.invoice_number,
        i.subcontract_number,
        i.invoice_date,
        i.due_date,
        i.invoice_amount,
        i.retention_amount as retention_withheld,
        coalesce(p.paid, 0) as paid_to_period_end,
        coalesce(p.retention_paid, 0) as retention_paid,
        i.invoice_amount - i.retention_amount - (coalesce(p.paid, 0) - coalesce(p.retention_paid, 0)) as trade_balance,
        i.retention_amount - coalesce(p.retention_paid, 0) as retention_payable
    from invoices as i
    left join paid_to_period_end as p
        on p.company_code = i.company_code and p.vendor_code = i.vendor_code and p.invoice_number = i.invoice_number
),

aged as (
    select
        *,
        {{ days_between('coalesce(due_date, invoice_date)', close_period_end()) }} as days_past_due
    from balances
    where trade_balance <> 0 or retention_payable <> 0
),

bucketed as (
    select
        *,
        case
            when trade_balance = 0 then 'none'
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
        {{ close_period_end() }} as as_of_date,
        company_code,
        vendor_code,
        invoice_number,
        subcontract_number,
        invoice_date,
        due_date,
        days_past_due,
        cast(invoice_amount as decimal(18, 2)) as invoice_amount,
        cast(retention_withheld as decimal(18, 2)) as retention_withheld,
        cast(paid_to_period_end as decimal(18, 2)) as paid_to_period_end,
        cast(retention_paid as decimal(18, 2)) as retention_paid,
        cast(trade_balance as decimal(18, 2)) as trade_balance,
        cast(retention_payable as decimal(18, 2)) as retention_payable,
        cast(trade_balance + retention_payable as decimal(18, 2)) as gross_balance,
        aging_bucket,
        {% for bucket, name in [('current', 'current'), ('1-30', '1_30'), ('31-60', '31_60'), ('61-90', '61_90'), ('90+', 'over_90')] %}
        cast(case when aging_bucket = '{{ bucket }}' then trade_balance else 0 end as decimal(18, 2)) as trade_{{ name }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from bucketed
)

select * from final
