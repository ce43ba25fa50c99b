-- The month-end close calendar for var('close_period') (YYYY-MM): each step, whether it is ready or
-- blocked, and the open exceptions that block it (with the money at stake).
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

open_exceptions as (
    select
        close_step,
        count(*) as open_exception_count,
        sum(case when severity = 'high' then 1 else 0 end) as high_severity_count,
        sum(amount_at_stake) as amount_at_stake
    from {{ ref('exceptions') }}
    group by close_step
),

final as (
    select
        cast('{{ var("close_period") }}' as {{ dbt.type_string() }}) as close_period,
        s.step_order,
        s.close_step,
        s.step_name,
        s.step_goal,
        coalesce(e.open_exception_count, 0) as open_exception_count,
        coalesce(e.high_severity_count, 0) as high_severity_count,
        coalesce(e.amount_at_stake, 0) as amount_at_stake,
        case when coalesce(e.open_exception_count, 0) = 0 then 'ready' else 'blocked' end as status
    from steps as s
    left join open_exceptions as e on e.close_step = s.close_step
)

select * from final
