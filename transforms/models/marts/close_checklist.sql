-- The month-end close calendar for var('close_period') (YYYY-MM): each step, whether it is ready or
-- blocked, and the open exceptions that block it (with the money at stake). An exception blocks the period
-- when it belongs to it or to an earlier month (exceptions.occurred_on on or before the period's last day)
-- or has no date; exceptions dated after the period are open too, but they belong to a later close: they
-- are counted apart (later_*) and never block this one. Closing October on November 14 is not held up by a
-- November invoice's drift.
{%- set steps = [
    (1, 'ar_reconciliation', 'BuildOps AR reconciled to Spectrum', 'Tie every BuildOps invoice and payment to the Spectrum AR ledger.'),
    (2, 'mapping_drift_review', 'Mapping drift review', 'Every pricebook item maps to a phase x cost type that exists on its job.'),
    (3, 'aia_routing_review', 'AIA routing review', 'Each job is billed from exactly one side: BuildOps service or Spectrum progress draws.'),
    (4, 'retainage_reconciliation', 'Retainage reconciliation', 'Retention on AIA applications ties to retention on the AR invoices.'),
    (5, 'sub_compliance_audit', 'Sub compliance audit', 'No subcontractor works a job while its COI, lien waiver or W-9 is lapsed.'),
    (6, 'payroll_to_job_cost', 'Payroll to job cost', 'Every payroll week worked in the field reached Spectrum payroll and job cost.'),
    (7, 'job_profitability_and_wip', 'Job profitability and WIP', 'All work is billed or accrued; WIP and margins are ready to review.'),
] %}

with steps as (
    {% for order, key, name, goal in steps %}
    select
        {{ order }} as step_order,
        cast('{{ key }}' as {{ dbt.type_string() }}) as close_step,
        cast('{{ name }}' as {{ dbt.type_string() }}) as step_name,
        cast('{{ goal }}' as {{ dbt.type_string() }}) as step_goal
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

period as (
    select
        {{ close_period_start() }} as period_start,
        cast({{ dbt.dateadd('month', 1, close_period_start()) }} as date) as next_period_start
),

dated_exceptions as (
    select
        e.close_step,
        e.severity,
        e.amount_at_stake,
        -- undated (null) exceptions always count: nothing says they belong to a later month
        case when e.occurred_on >= p.next_period_start then 0 else 1 end as is_in_period
    from {{ ref('exceptions') }} as e
    cross join period as p
),

open_exceptions as (
    select
        close_step,
        sum(is_in_period) as open_exception_count,
        sum(case when is_in_period = 1 and severity = 'high' then 1 else 0 end) as high_severity_count,
        sum(case when is_in_period = 1 then amount_at_stake else 0 end) as amount_at_stake,
        sum(1 - is_in_period) as later_exception_count,
        sum(case when is_in_period = 0 then amount_at_stake else 0 end) as later_amount_at_stake
    from dated_exceptions
    group by close_step
),

final as (
    select
        cast('{{ var("close_period") | string | trim }}' as {{ dbt.type_string() }}) as close_period,
        cast({{ dbt.dateadd('day', -1, 'p.next_period_start') }} as date) as period_end_date,
        s.step_order,
        s.close_step,
        s.step_name,
        s.step_goal,
        cast(coalesce(e.open_exception_count, 0) as {{ dbt.type_bigint() }}) as open_exception_count,
        cast(coalesce(e.high_severity_count, 0) as {{ dbt.type_bigint() }}) as high_severity_count,
        cast(coalesce(e.amount_at_stake, 0) as decimal(18, 2)) as amount_at_stake,
        cast(coalesce(e.later_exception_count, 0) as {{ dbt.type_bigint() }}) as later_exception_count,
        cast(coalesce(e.later_amount_at_stake, 0) as decimal(18, 2)) as later_amount_at_stake,
        case when coalesce(e.open_exception_count, 0) = 0 then 'ready' else 'blocked' end as status
    from steps as s
    cross join period as p
    left join open_exceptions as e on e.close_step = s.close_step
)

select * from final
