-- CFO: which cost codes (phase x cost type) are over budget on active projects, and by how much will
-- they finish over? Budget is Spectrum's current estimate; actual is job cost to var('as_of_date');
-- projected is Spectrum's projected cost where the PM set it (the latest JC_PROJ_COST_HISTORY_MC entry),
-- else actual when already past budget.
with phases as (
    select * from {{ ref('stg_spectrum__job_phases') }}
),

projections as (
    select company_code, job_number, phase_code, cost_type, projected_cost
    from (
        select
            *,
            row_number() over (
                partition by company_code, job_number, phase_code, cost_type
                order by transaction_date desc, system_key desc
            ) as recency
        from {{ ref('stg_spectrum__phase_projections') }}
    ) as ranked
    where recency = 1
),

jobs as (
    select * from {{ ref('stg_spectrum__jobs') }}
    where status_code = 'A' and upper(coalesce(job_type, '')) not in ('SERVICE', 'AGREEMENT')
),

-- The BuildOps job behind each Spectrum project, through job_crosswalk.csv (int_jobs): projects carry different
-- numbers in each system, so the Spectrum number alone does not find it in BuildOps.
buildops_jobs as (
    select company_code, spectrum_job_number, min(job_number) as buildops_job_number
    from {{ ref('int_jobs') }}
    where buildops_job_id is not null and spectrum_job_number is not null
    group by company_code, spectrum_job_number
    having count(*) = 1
),

actuals as (
    select company_code, job_number, phase_code, cost_type, sum(tran_amount) as actual_cost, sum(total_hours) as actual_hours
    from {{ ref('stg_spectrum__job_cost_transactions') }}
    where tran_date <= {{ as_of_date() }}
    group by company_code, job_number, phase_code, cost_type
),

final as (
    select
        p.company_code,
        p.job_number,
        bj.buildops_job_number,
        j.job_description,
        p.phase_code,
        p.cost_type,
        p.phase_description,
        p.current_est_cost as budget,
        coalesce(a.actual_cost, 0) as actual_cost,
        greatest(coalesce(pr.projected_cost, 0), coalesce(a.actual_cost, 0)) as projected_cost,
        coalesce(a.actual_cost, 0) - p.current_est_cost as variance_to_date,
        greatest(greatest(coalesce(pr.projected_cost, 0), coalesce(a.actual_cost, 0)) - p.current_est_cost, 0)
            as projected_overrun,
        coalesce(a.actual_cost, 0) > p.current_est_cost as is_over_budget
    from phases as p
    inner join jobs as j on j.company_code = p.company_code and j.job_number = p.job_number
    left join buildops_jobs as bj on bj.company_code = p.company_code and bj.spectrum_job_number = p.job_number
    left join actuals as a
        on a.company_code = p.company_code and a.job_number = p.job_number
        and a.phase_code = p.phase_code and a.cost_type = p.cost_type
    left join projections as pr
        on pr.company_code = p.company_code and pr.job_number = p.job_number
        and pr.phase_code = p.phase_code and pr.cost_type = p.cost_type
)

select * from final
