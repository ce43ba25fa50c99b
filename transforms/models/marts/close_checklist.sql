-- The month-end close calendar for var('close_period') (YYYY-MM): each step, whether it is ready or
-- blocked, what blocks it, who signed it off and the day of the close it became ready on.
-- An exception blocks its step when it is open or acknowledged (exception_queue.status, the desk's decisions;
-- waived and resolved ones do not), material (policy.yml desk.materiality), and belongs to the period or
-- an earlier month (occurred_on on or before the period's last day) or is undated. Exceptions dated after the
-- period belong to a later close: counted apart (later_*), never blocking this one. Closing October on
-- November 14 is not held up by a November invoice's drift.
-- ready_at is measured from the decisions: the moment the step's last blocking exception was waived or
-- resolved (by a person, or by the build that no longer found it); null when nothing in the period ever
-- blocked it. Sign-offs (decisions on close_period|close_step) count only while the step is ready and only
-- when made after it became ready; a review only after the preparation it reviews.
-- A view over the exceptions and the desk's decisions: a waiver at the desk shows at once.
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

queue as (
    -- The period is judged here, not taken from exception_queue.is_in_close_period, so rebuilding this model
    -- alone for another close_period (dbt build -s close_checklist --vars ...) closes that period.
    select
        q.*,
        case when q.occurred_on >= p.next_period_start then false else true end as in_period,
        q.status in ('open', 'acknowledged') as is_undecided
    from {{ ref('exception_queue') }} as q
    cross join period as p
),

open_exceptions as (
    select
        close_step,
        sum(case when in_period and is_undecided and is_material then 1 else 0 end) as open_exception_count,
        sum(case when in_period and is_undecided and is_material and severity = 'high' then 1 else 0 end)
            as high_severity_count,
        sum(case when in_period and is_undecided and is_material then amount_at_stake else 0 end) as amount_at_stake,
        sum(case when in_period and not is_undecided then 1 else 0 end) as cleared_exception_count,
        sum(case when in_period and is_undecided and not is_material then 1 else 0 end) as immaterial_exception_count,
        sum(case when not in_period and is_undecided then 1 else 0 end) as later_exception_count,
        sum(case when not in_period and is_undecided then amount_at_stake else 0 end) as later_amount_at_stake
    from queue
    group by close_step
),

-- Every exception that ever belonged to a step: those in the data now and those the build closed when they left.
ever_seen as (
    select exception_id, exception_type, close_step, occurred_on, amount_at_stake from queue
    union all
    select s.exception_id, s.exception_type, s.close_step, s.occurred_on, s.amount_at_stake
    from {{ ref('stg_desk__exception_sightings') }} as s
    where not exists (select 1 from queue as q where q.exception_id = s.exception_id)
),

exception_decisions as (
    select * from {{ ref('stg_desk__decisions') }} where subject_kind = 'exception' and recency = 1
),

cleared as (
    select
        e.close_step,
        max(d.decided_at) as last_cleared_at
    from ever_seen as e
    join exception_decisions as d on d.subject_id = e.exception_id and d.status in ('waived', 'resolved')
    cross join period as p
    where (e.occurred_on is null or e.occurred_on < p.next_period_start)
      and coalesce(abs(e.amount_at_stake) >= {{ desk_materiality('e.exception_type') }}, true)
    group by e.close_step
),

sign_offs as (
    select
        subject_id,
        status,
        decided_by,
        decided_at,
        row_number() over (partition by subject_id, status order by decided_at desc, decision_id desc) as latest
    from {{ ref('stg_desk__decisions') }}
    where subject_kind = 'close_step'
),

steps_status as (
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
        cast(coalesce(e.cleared_exception_count, 0) as {{ dbt.type_bigint() }}) as cleared_exception_count,
        cast(coalesce(e.immaterial_exception_count, 0) as {{ dbt.type_bigint() }}) as immaterial_exception_count,
        cast(coalesce(e.later_exception_count, 0) as {{ dbt.type_bigint() }}) as later_exception_count,
        cast(coalesce(e.later_amount_at_stake, 0) as decimal(18, 2)) as later_amount_at_stake,
        case when coalesce(e.open_exception_count, 0) = 0 then 'ready' else 'blocked' end as status,
        case when coalesce(e.open_exception_count, 0) = 0 then c.last_cleared_at end as ready_at
    from steps as s
    cross join period as p
    left join open_exceptions as e on e.close_step = s.close_step
    left join cleared as c on c.close_step = s.close_step
),

with_preparer as (
    select
        t.*,
        pr.decided_by as prepared_by,
        pr.decided_at as prepared_at
    from steps_status as t
    left join sign_offs as pr
        on pr.subject_id = t.close_period || '|' || t.close_step
        and pr.status = 'prepared' and pr.latest = 1
        and t.status = 'ready'
        and (t.ready_at is null or pr.decided_at >= t.ready_at)
),

final as (
    select
        t.*,
        rv.decided_by as reviewed_by,
        rv.decided_at as reviewed_at,
        case when rv.decided_at is not null then 'reviewed' when t.prepared_at is not null then 'prepared'
            else 'unsigned' end as sign_off,
        case when t.status = 'ready' then
            -- day N of the close: N days after the period's last day; 0 when ready by then (or never blocked)
            greatest(coalesce({{ dbt.datediff('t.period_end_date', 'cast(t.ready_at as date)', 'day') }}, 0), 0)
        end as ready_on_close_day
    from with_preparer as t
    left join sign_offs as rv
        on rv.subject_id = t.close_period || '|' || t.close_step
        and rv.status = 'reviewed' and rv.latest = 1
        and t.prepared_at is not null
        and rv.decided_at >= t.prepared_at
)

select * from final
