-- fct_ar_aging rolled up per company and customer: one company's AR never merges into another's.
with aging as (
    select * from {{ ref('fct_ar_aging') }}
),

customers as (
    select customer_key, customer_name from {{ ref('dim_customers') }}
),

final as (
    select
        a.company_code,
        a.customer_key,
        max(c.customer_name) as customer_name,
        max(a.close_period) as close_period,
        max(a.as_of_date) as as_of_date,
        count(*) as open_invoice_count,
        sum(a.gross_balance) as gross_balance,
        sum(a.retainage_held) as retainage_held,
        sum(a.net_balance) as net_balance,
        {% for name in ['current', '1_30', '31_60', '61_90', 'over_90'] %}
        sum(a.net_{{ name }}) as net_{{ name }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from aging as a
    left join customers as c on c.customer_key = a.customer_key
    group by a.company_code, a.customer_key
)

select * from final
