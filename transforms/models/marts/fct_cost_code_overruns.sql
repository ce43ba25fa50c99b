-- CFO Q2 at the close (definition: fct_cost_code_overruns.yml): per cost code (phase x cost type) of each contract
-- job open at the period end, budget vs cost to date, Spectrum's projection in force and the last three months'
-- trend, and an alert while the overrun can still be acted on (cost to date still under budget).
{%- set thresholds = cfo_overrun_policy() %}
with jobs as (
    -- The WIP schedule's scope: contract jobs open at the period end.
    select w.company_code, w.job_number, j.job_description, j.est_complete_date
    from {{ ref('fct_wip') }} as w
    inner join {{ ref('stg_spectrum__jobs') }} as j on j.company_code = w.company_code and j.job_number = w.job_number
),

phases as (
    select company_code, job_number, phase_code, cost_type, phase_description, original_est_cost
    from {{ ref('stg_spectrum__job_phases') }}
),

-- The projection in force at the period end: the latest entered on or before it; a later one is not yet known.
projections as (
    select company_code, job_number, phase_code, cost_type, transaction_date, projected_cost
    from (
        select
            *,
            row_number() over (
                partition by company_code, job_number, phase_code, cost_type
                order by transaction_date desc, system_key desc
            ) as recency
        from {{ ref('stg_spectrum__phase_projections') }}
        where transaction_date <= {{ close_period_end() }}
    ) as dated
    where recency = 1
),

costs as (
    select
        company_code,
        job_number,
        phase_code,
        cost_type,
        sum(tran_amount) as cost_to_date,
        sum(case when tran_date >= {{ dbt.dateadd('month', -2, close_period_start()) }} then tran_amount else 0 end)
            as last_three_months_cost
    from {{ ref('stg_spectrum__job_cost_transactions') }}
    where tran_date <= {{ close_period_end() }}
    group by company_code, job_number, phase_code, cost_type
),

-- Every cost code of the scoped jobs with a budget, a projection or cost: an unbudgeted code with cost is an overrun.
cost_codes as (
    select company_code, job_number, phase_code, cost_type from phases
    union
    select company_code, job_number, phase_code, cost_type from projections
    union
    select company_code, job_number, phase_code, cost_type from costs
),

-- The BuildOps job behind each Spectrum project, through job_crosswalk.csv (int_jobs): the numbers differ.
buildops_jobs as (
    select company_code, spectrum_job_number, min(job_number) as buildops_job_number
    from {{ ref('int_jobs') }}
    where buildops_job_id is not null and spectrum_job_number is not null
    group by company_code, spectrum_job_number
    having count(*) = 1
),

combined as (
    select
        c.company_code,
        c.job_number,
        bj.buildops_job_number,
        j.job_description,
        j.est_complete_date,
        c.phase_code,
        c.cost_type,
        ph.phase_description,
        cast(coalesce(ph.original_est_cost, 0) as decimal(18, 2)) as budget,
        cast(coalesce(co.cost_to_date, 0) as decimal(18, 2)) as cost_to_date,
        pr.transaction_date as projection_date,
        case when pr.projected_cost is not null then 'projection' else 'estimate' end as projection_basis,
        cast(coalesce(pr.projected_cost, ph.original_est_cost, 0) as decimal(18, 2)) as spectrum_projected_cost,
        cast(round(coalesce(co.last_three_months_cost, 0) / 3, 2) as decimal(18, 2)) as trend_monthly_cost,
        case
            when j.est_complete_date is null then 0
            else greatest(
                cast(
                    (extract(year from j.est_complete_date) * 12 + extract(month from j.est_complete_date))
                    - (extract(year from {{ close_period_end() }}) * 12 + extract(month from {{ close_period_end() }}))
                    as integer
                ),
                0
            )
        end as months_remaining
    from cost_codes as c
    inner join jobs as j on j.company_code = c.company_code and j.job_number = c.job_number
    left join phases as ph
        on ph.company_code = c.company_code and ph.job_number = c.job_number
        and ph.phase_code = c.phase_code and ph.cost_type = c.cost_type
    left join projections as pr
        on pr.company_code = c.company_code and pr.job_number = c.job_number
        and pr.phase_code = c.phase_code and pr.cost_type = c.cost_type
    left join costs as co
        on co.company_code = c.company_code and co.job_number = c.job_number
        and co.phase_code = c.phase_code and co.cost_type = c.cost_type
    left join buildops_jobs as bj on bj.company_code = c.company_code and bj.spectrum_job_number = c.job_number
),

forecast as (
    select
        *,
        -- Cost already incurred cannot be undone: a projection below it is stale, cost to date stands in.
        greatest(spectrum_projected_cost, cost_to_date) as projected_cost_at_completion,
        -- A negative trend (credits) extrapolates nothing.
        cast(cost_to_date + greatest(trend_monthly_cost, 0) * months_remaining as decimal(18, 2))
            as trend_cost_at_completion
    from combined
),

overruns as (
    select
        *,
        projected_cost_at_completion - cost_to_date as cost_to_complete,
        projected_cost_at_completion - budget as projected_overrun,
        trend_cost_at_completion - budget as trend_overrun,
        greatest(projected_cost_at_completion, trend_cost_at_completion) - budget as forecast_overrun
    from forecast
),

final as (
    select
        cast('{{ var("close_period") | string | trim }}' as {{ dbt.type_string() }}) as close_period,
        {{ close_period_end() }} as as_of_date,
        company_code,
        job_number,
        buildops_job_number,
        job_description,
        est_complete_date,
        phase_code,
        cost_type,
        phase_description,
        budget,
        cost_to_date,
        projection_basis,
        projection_date,
        cast(projected_cost_at_completion as decimal(18, 2)) as projected_cost_at_completion,
        cast(cost_to_complete as decimal(18, 2)) as cost_to_complete,
        trend_monthly_cost,
        months_remaining,
        trend_cost_at_completion,
        cast(projected_overrun as decimal(18, 2)) as projected_overrun,
        cast(trend_overrun as decimal(18, 2)) as trend_overrun,
        cast(forecast_overrun as decimal(18, 2)) as forecast_overrun,
        case when budget > 0 then cast(round(forecast_overrun / budget, 4) as decimal(9, 4)) end as forecast_overrun_pct,
        case
            when forecast_overrun > 0 and cost_to_date >= budget then 'locked_in'
            when forecast_overrun > 0
                 and forecast_overrun >= {{ thresholds.min_amount }}
                 and forecast_overrun >= {{ thresholds.min_percent }} * budget then 'alert'
            when forecast_overrun > 0 then 'below_threshold'
            else 'on_budget'
        end as overrun_status,
        forecast_overrun > 0 and cost_to_date < budget
            and forecast_overrun >= {{ thresholds.min_amount }}
            and forecast_overrun >= {{ thresholds.min_percent }} * budget as overrun_alert
    from overruns
)

select * from final
