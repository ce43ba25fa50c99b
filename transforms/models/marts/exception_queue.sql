-- The exception queue the close desk works from: every exception in the data with its owner (policy.yml
-- desk.owners), its status (the latest decision on it, else open), the materiality threshold of its type
-- (desk.materiality) and whether it blocks var('close_period')'s close: open or acknowledged, material
-- (amount at stake at or above the threshold; an amount-less exception always is), and dated in or before
-- the period (or undated), as close_checklist counts it. Waived and resolved exceptions stay listed, not blocking.
-- A view: a decision made at the desk shows at once, without a rebuild.

with exceptions as (
    select * from {{ ref('exceptions') }}
),

decisions as (
    select * from {{ ref('stg_desk__decisions') }}
    where subject_kind = 'exception' and recency = 1
),

period as (
    select cast({{ dbt.dateadd('month', 1, close_period_start()) }} as date) as next_period_start
),

with_policy as (
    select
        e.*,
        {{ desk_owner('e.exception_type', 'e.company_code') }} as owner,
        {{ desk_materiality('e.exception_type') }} as materiality_threshold,
        coalesce(d.status, 'open') as status,
        d.decided_by,
        d.decided_at,
        d.reason as decision_reason,
        d.note as decision_note,
        case when e.occurred_on >= p.next_period_start then false else true end as is_in_close_period
    from exceptions as e
    left join decisions as d on d.subject_id = e.exception_id
    cross join period as p
),

final as (
    select
        *,
        coalesce(abs(amount_at_stake) >= materiality_threshold, true) as is_material,
        (
            status in ('open', 'acknowledged')
            and coalesce(abs(amount_at_stake) >= materiality_threshold, true)
            and is_in_close_period
        ) as blocks_close
    from with_policy
)

select * from final
