-- Every decision at the close desk, newest last, with its rank among the decisions on the same subject:
-- recency 1 is the one in force (an exception's status, a close step's latest sign-off of each kind).
with source as (
    select * from {{ source('desk', 'decisions') }}
),

renamed as (
    select
        cast(decision_id as {{ dbt.type_string() }}) as decision_id,
        cast(decided_at as timestamp) as decided_at,
        cast(decided_by as {{ dbt.type_string() }}) as decided_by,
        cast(subject_kind as {{ dbt.type_string() }}) as subject_kind,
        cast(subject_id as {{ dbt.type_string() }}) as subject_id,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(note as {{ dbt.type_string() }}) as note
    from source
),

final as (
    select
        *,
        row_number() over (
            partition by subject_kind, subject_id order by decided_at desc, decision_id desc
        ) as recency
    from renamed
)

select * from final
