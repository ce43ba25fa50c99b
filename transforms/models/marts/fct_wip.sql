-- Work in progress for every open job in Spectrum, cost-to-cost: percent complete = cost to date /
-- estimated total cost, earned revenue = percent complete x contract, over/(under) billing = billed -
-- earned. Cost to date adds an ESTIMATE of labor already worked in BuildOps timesheets but not yet
-- through Spectrum payroll (int_unposted_labor), shown in its own column and said in `estimate_note`.
with jobs as (
    select * from {{ ref('stg_spectrum__jobs') }} where status_code = 'A'
),

profit as (
    select * from {{ ref('fct_job_profitability') }}
),

-- Revised contract and estimated cost as Spectrum keeps them per job (JC_JOB_PROGRESS_MC).
progress as (
    select * from {{ ref('stg_spectrum__job_progress') }}
),

unposted as (
    select company_code, job_number, sum(unposted_hours) as unposted_hours,
           sum(estimated_unposted_labor_cost) as unposted_labor_estimate
    from {{ ref('int_unposted_labor') }}
    group by company_code, job_number
),

combined as (
    select
        j.company_code,
        j.job_number,
        p.customer_key,
        p.job_type,
        p.billing_route,
        coalesce(jp.revised_contract, j.original_contract, 0) as contract_amount,
        coalesce(jp.estimated_cost, 0) as estimated_total_cost,
        coalesce(p.direct_cost, 0) as posted_cost_to_date,
        coalesce(u.unposted_hours, 0) as unposted_labor_hours,
        coalesce(u.unposted_labor_estimate, 0) as unposted_labor_estimate,
        coalesce(p.direct_cost, 0) + coalesce(u.unposted_labor_estimate, 0) as cost_to_date,
        coalesce(p.revenue, 0) as billed_to_date
    from jobs as j
    left join profit as p on p.company_code = j.company_code and p.job_number = j.job_number
    left join progress as jp on jp.company_code = j.company_code and jp.job_number = j.job_number
    left join unposted as u on u.company_code = j.company_code and u.job_number = j.job_number
),

measured as (
    select
        *,
        case when estimated_total_cost > 0
             then cast(least(cost_to_date / estimated_total_cost, 1) as decimal(9, 4)) end as percent_complete
    from combined
),

final as (
    select
        *,
        cast(coalesce(percent_complete, 0) * contract_amount as decimal(18, 2)) as earned_revenue,
        billed_to_date - cast(coalesce(percent_complete, 0) * contract_amount as decimal(18, 2)) as over_under_billing,
        unposted_labor_estimate > 0 as includes_unposted_labor_estimate,
        case when unposted_labor_estimate > 0
             then 'Cost to date includes an estimated ' || cast(unposted_labor_estimate as {{ dbt.type_string() }})
                  || ' of labor (' || cast(unposted_labor_hours as {{ dbt.type_string() }})
                  || ' hours) worked in BuildOps but not yet through Spectrum payroll.'
             else 'All field labor to date is through Spectrum payroll.'
        end as estimate_note
    from measured
)

select * from final
