-- CFO: which commercial service customers make money after labor burden and overhead, and after the
-- cash they actually paid? Service and agreement work only (billing route buildops_service).
with jobs as (
    select * from {{ ref('fct_job_profitability') }} where billing_route = 'buildops_service'
),

customers as (
    select * from {{ ref('dim_customers') }}
),

by_customer as (
    select
        customer_key,
        count(*) as job_count,
        sum(revenue) as revenue,
        sum(cash_collected) as cash_collected,
        sum(burdened_labor_cost) as burdened_labor_cost,
        sum(material_cost + subcontract_cost + equipment_cost + other_cost) as other_direct_cost,
        sum(direct_cost) as direct_cost,
        sum(overhead_cost) as overhead_cost
    from jobs
    group by customer_key
),

final as (
    select
        b.customer_key,
        c.customer_name,
        c.customer_type,
        b.job_count,
        b.revenue,
        b.burdened_labor_cost,
        b.other_direct_cost,
        b.overhead_cost,
        b.revenue - b.direct_cost - b.overhead_cost as margin_after_overhead,
        case when b.revenue <> 0
             then cast((b.revenue - b.direct_cost - b.overhead_cost) / b.revenue as decimal(9, 4)) end as margin_pct,
        b.cash_collected,
        b.cash_collected - b.direct_cost - b.overhead_cost as cash_margin,
        b.revenue - b.cash_collected as uncollected_revenue
    from by_customer as b
    left join customers as c on c.customer_key = b.customer_key
)

select * from final
