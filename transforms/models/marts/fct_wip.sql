-- The WIP schedule at the close (definition: fct_wip.yml): contract jobs open at the period end, cost-to-cost
-- on Spectrum's projected cost at completion, billed to date from Spectrum only, and the full projected loss
-- provided for now. Cost to date adds an ESTIMATE of labor worked in BuildOps timesheets by the period end
-- but not yet through Spectrum payroll (int_unposted_labor), in its own column and said in `estimate_note`.
with jobs as (
    select * from {{ ref('stg_spectrum__jobs') }}
    where coalesce(start_date, {{ close_period_end() }}) <= {{ close_period_end() }}
      and (complete_date is null or complete_date > {{ close_period_end() }})
),

-- Revised contract as Spectrum keeps it per job (JC_JOB_PROGRESS_MC).
progress as (
    select company_code, job_number, revised_contract from {{ ref('stg_spectrum__job_progress') }}
),

draws as (
    select company_code, job_number, count(*) as draw_count
    from {{ ref('stg_spectrum__progress_billings') }}
    where application_date <= {{ close_period_end() }}
    group by company_code, job_number
),

contract_jobs as (
    select
        j.company_code,
        j.job_number,
        j.job_type,
        coalesce(d.draw_count, 0) > 0 as is_progress_billed,
        cast(coalesce(p.revised_contract, j.original_contract, 0) as decimal(18, 2)) as contract_amount
    from jobs as j
    left join progress as p on p.company_code = j.company_code and p.job_number = j.job_number
    left join draws as d on d.company_code = j.company_code and d.job_number = j.job_number
    where coalesce(d.draw_count, 0) > 0 or coalesce(p.revised_contract, j.original_contract, 0) <> 0
),

-- The projection in force at the period end: per phase x cost type, the latest entered on or before it.
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
        where transaction_date <= {{ close_period_end() }}
    ) as dated
    where recency = 1
),

estimates as (
    select company_code, job_number, phase_code, cost_type, original_est_cost
    from {{ ref('stg_spectrum__job_phases') }}
),

-- Every phase with an estimate or a projection: the projection wins, the estimate stands in without one.
phase_projection as (
    select
        coalesce(e.company_code, pr.company_code) as company_code,
        coalesce(e.job_number, pr.job_number) as job_number,
        coalesce(pr.projected_cost, e.original_est_cost, 0) as projected_cost,
        coalesce(e.original_est_cost, 0) as estimated_cost,
        case when pr.projected_cost is not null then 1 else 0 end as is_projected
    from estimates as e
    full outer join projections as pr
        on pr.company_code = e.company_code and pr.job_number = e.job_number
        and pr.phase_code = e.phase_code and pr.cost_type = e.cost_type
),

job_projection as (
    select
        company_code,
        job_number,
        sum(projected_cost) as projected_cost,
        sum(estimated_cost) as estimated_cost,
        max(is_projected) as is_projected
    from phase_projection
    group by company_code, job_number
),

posted as (
    select company_code, job_number, sum(tran_amount) as posted_cost
    from {{ ref('stg_spectrum__job_cost_transactions') }}
    where tran_date <= {{ close_period_end() }}
    group by company_code, job_number
),

unposted as (
    select company_code, job_number, sum(unposted_hours) as unposted_hours,
           sum(estimated_unposted_labor_cost) as unposted_labor_estimate
    from {{ ref('int_unposted_labor') }}
    group by company_code, job_number
),

profit as (
    select company_code, job_number, customer_key, billing_route, revenue, buildops_not_in_spectrum
    from {{ ref('fct_job_profitability') }}
),

combined as (
    select
        c.company_code,
        c.job_number,
        pf.customer_key,
        c.job_type,
        pf.billing_route,
        c.is_progress_billed,
        c.contract_amount,
        cast(coalesce(jp.estimated_cost, 0) as decimal(18, 2)) as estimated_total_cost,
        case
            when coalesce(jp.is_projected, 0) = 1 then 'projection'
            when coalesce(jp.projected_cost, 0) <> 0 then 'estimate'
            else 'none'
        end as projection_basis,
        cast(coalesce(jp.projected_cost, 0) as decimal(18, 2)) as spectrum_projected_cost,
        cast(coalesce(po.posted_cost, 0) as decimal(18, 2)) as posted_cost_to_date,
        coalesce(u.unposted_hours, 0) as unposted_labor_hours,
        cast(coalesce(u.unposted_labor_estimate, 0) as decimal(18, 2)) as unposted_labor_estimate,
        cast(coalesce(po.posted_cost, 0) + coalesce(u.unposted_labor_estimate, 0) as decimal(18, 2)) as cost_to_date,
        cast(coalesce(pf.revenue, 0) as decimal(18, 2)) as billed_to_date,
        cast(coalesce(pf.buildops_not_in_spectrum, 0) as decimal(18, 2)) as buildops_not_in_spectrum
    from contract_jobs as c
    left join job_projection as jp on jp.company_code = c.company_code and jp.job_number = c.job_number
    left join posted as po on po.company_code = c.company_code and po.job_number = c.job_number
    left join unposted as u on u.company_code = c.company_code and u.job_number = c.job_number
    left join profit as pf on pf.company_code = c.company_code and pf.job_number = c.job_number
),

-- Cost already incurred cannot be undone: a projection below it is stale, cost to date stands in.
projected as (
    select
        *,
        case when spectrum_projected_cost < cost_to_date then cost_to_date else spectrum_projected_cost end
            as projected_cost_at_completion
    from combined
),

earned as (
    select
        *,
        case
            when projection_basis = 'none' or projected_cost_at_completion <= 0 then null
            else cast(round(cost_to_date / projected_cost_at_completion, 4) as decimal(9, 4))
        end as percent_complete,
        case
            -- No estimate and no projection: progress cannot be measured, so revenue is recognised to the
            -- extent of cost incurred (zero margin, ASC 606-10-25-37), never above the contract.
            when projection_basis = 'none' then
                case when cost_to_date < contract_amount then cost_to_date else contract_amount end
            when projected_cost_at_completion <= 0 then cast(0 as decimal(18, 2))
            when cost_to_date >= projected_cost_at_completion then contract_amount
            else cast(round(contract_amount * cost_to_date / projected_cost_at_completion, 2) as decimal(18, 2))
        end as earned_revenue,
        contract_amount - projected_cost_at_completion as projected_gross_profit
    from projected
),

provided as (
    select
        *,
        cast(billed_to_date - earned_revenue as decimal(18, 2)) as over_under_billing,
        -- The whole projected loss now: what earned revenue less cost to date has not already taken.
        case when projected_gross_profit < 0
             then cast(-projected_gross_profit - (cost_to_date - earned_revenue) as decimal(18, 2))
             else cast(0 as decimal(18, 2))
        end as loss_provision
    from earned
),

final as (
    select
        cast('{{ var("close_period") | string | trim }}' as {{ dbt.type_string() }}) as close_period,
        {{ close_period_end() }} as as_of_date,
        company_code,
        job_number,
        customer_key,
        job_type,
        billing_route,
        is_progress_billed,
        contract_amount,
        estimated_total_cost,
        projection_basis,
        cast(projected_cost_at_completion as decimal(18, 2)) as projected_cost_at_completion,
        posted_cost_to_date,
        unposted_labor_hours,
        unposted_labor_estimate,
        cost_to_date,
        percent_complete,
        earned_revenue,
        billed_to_date,
        buildops_not_in_spectrum,
        over_under_billing,
        case when over_under_billing > 0 then over_under_billing else cast(0 as decimal(18, 2)) end
            as billings_in_excess,
        case when over_under_billing < 0 then -over_under_billing else cast(0 as decimal(18, 2)) end
            as costs_in_excess,
        cast(projected_gross_profit as decimal(18, 2)) as projected_gross_profit,
        case when contract_amount <> 0
             then cast(round(projected_gross_profit / contract_amount, 4) as decimal(9, 4)) end as projected_margin_pct,
        projected_gross_profit < 0 as is_loss_job,
        loss_provision,
        cast(earned_revenue - cost_to_date - loss_provision as decimal(18, 2)) as gross_profit_recognized,
        unposted_labor_estimate > 0 as includes_unposted_labor_estimate,
        case when unposted_labor_estimate > 0
             then 'Cost to date includes an estimated ' || cast(unposted_labor_estimate as {{ dbt.type_string() }})
                  || ' of labor (' || cast(unposted_labor_hours as {{ dbt.type_string() }})
                  || ' hours) worked in BuildOps but not yet through Spectrum payroll.'
             else 'All field labor to date is through Spectrum payroll.'
        end as estimate_note
    from provided
)

select * from final
