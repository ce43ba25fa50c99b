-- fct_ar_aging rolled up to the customer master: one row per customer with open AR.
with aging as (
    select * from {{ ref('fct_ar_aging') }}
),

customers as (
    select customer_key, customer_name from {{ ref('dim_customers') }}
),

final as (
    select
        a.customer_key,
        max(c.customer_name) as customer_name,
        max(a.as_of_date) as as_of_date,
        count(*) as open_invoice_count,
        sum(a.gross_balance) as gross_balance,
        sum(a.retainage_held) as retainage_held,
        sum(a.net_balance) as net_balance,
        {% for name in ['current', '1_30', '31_60', '61_90', 'over_90'] %}
        sum(a.gross_{{ name }}) as gross_{{ name }},
        sum(a.net_{{ name }}) as net_{{ name }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from aging as a
    left join customers as c on c.customer_key = a.customer_key
    group by a.customer_key
)

select * from final
