-- Revenue against burdened cost per job: labor and burden from Spectrum payroll, material, subcontract,
-- equipment and other job cost from Spectrum job cost, overhead at var('overhead_rate') of direct cost.
with jobs as (
    select * from {{ ref('dim_jobs') }} where company_code is not null
),

costs as (
    select * from {{ ref('int_job_costs') }}
),

revenue as (
    select
        job_number,
        sum(revenue_amount) as revenue,
        sum(cash_applied) as cash_collected
    from {{ ref('fct_invoices') }}
    where invoice_date <= {{ as_of_date() }}
    group by job_number
),

combined as (
    select
        j.company_code,
        j.job_number,
        j.buildops_job_id,
        j.customer_key,
        j.job_type,
        j.billing_route,
        coalesce(r.revenue, 0) as revenue,
        coalesce(r.cash_collected, 0) as cash_collected,
        coalesce(c.labor_cost, 0) as labor_cost,
        coalesce(c.burden_cost, 0) as burden_cost,
        coalesce(c.labor_cost, 0) + coalesce(c.burden_cost, 0) as burdened_labor_cost,
        coalesce(c.material_cost, 0) as material_cost,
        coalesce(c.subcontract_cost, 0) as subcontract_cost,
        coalesce(c.equipment_cost, 0) as equipment_cost,
        coalesce(c.other_cost, 0) as other_cost
    from jobs as j
    left join costs as c on c.company_code = j.company_code and c.job_number = j.job_number
    left join revenue as r on r.job_number = j.job_number
),

final as (
    select
        *,
        burdened_labor_cost + material_cost + subcontract_cost + equipment_cost + other_cost as direct_cost,
        cast((burdened_labor_cost + material_cost + subcontract_cost + equipment_cost + other_cost)
             * {{ var('overhead_rate') }} as decimal(18, 2)) as overhead_cost,
        revenue - (burdened_labor_cost + material_cost + subcontract_cost + equipment_cost + other_cost)
            - cast((burdened_labor_cost + material_cost + subcontract_cost + equipment_cost + other_cost)
                   * {{ var('overhead_rate') }} as decimal(18, 2)) as net_margin,
        cast({{ var('overhead_rate') }} as decimal(9, 4)) as overhead_rate
    from combined
)

select * from final
