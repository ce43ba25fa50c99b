-- CFO: do projects sold to existing service customers earn more than projects won cold? A project is a
-- conversion when its customer had a service or agreement job before the project started; otherwise
-- it is de novo. Margin after burden and overhead, per origin.
with jobs as (
    select * from {{ ref('fct_job_profitability') }}
),

dims as (
    select * from {{ ref('dim_jobs') }}
),

service_history as (
    select customer_key, min(created_date) as first_service_date
    from dims
    where billing_route = 'buildops_service'
    group by customer_key
),

projects as (
    select
        j.*,
        d.created_date,
        case when sh.first_service_date is not null and sh.first_service_date < d.created_date
             then 'converted_from_service' else 'de_novo' end as project_origin
    from jobs as j
    inner join dims as d on d.job_number = j.job_number and d.buildops_job_id is not distinct from j.buildops_job_id
    left join service_history as sh on sh.customer_key = j.customer_key
    where j.billing_route = 'spectrum_progress'
),

final as (
    select
        project_origin,
        count(*) as project_count,
        sum(revenue) as revenue,
        sum(direct_cost) as direct_cost,
        sum(overhead_cost) as overhead_cost,
        sum(net_margin) as net_margin,
        case when sum(revenue) <> 0 then cast(sum(net_margin) / sum(revenue) as decimal(9, 4)) end as margin_pct
    from projects
    group by project_origin
)

select * from final
