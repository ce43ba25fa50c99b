-- Every exception any build has seen, with the attributes the close checklist needs once it has left the data
-- (the step it blocked, its date, its amount): a step's ready time counts exceptions the build closed.
with source as (
    select * from {{ source('desk', 'exception_sightings') }}
),

final as (
    select
        cast(exception_id as {{ dbt.type_string() }}) as exception_id,
        cast(exception_type as {{ dbt.type_string() }}) as exception_type,
        cast(company_code as {{ dbt.type_string() }}) as company_code,
        cast(close_step as {{ dbt.type_string() }}) as close_step,
        cast(occurred_on as date) as occurred_on,
        cast(amount_at_stake as decimal(18, 2)) as amount_at_stake,
        cast(first_seen_at as timestamp) as first_seen_at,
        cast(first_seen_build as {{ dbt.type_string() }}) as first_seen_build
    from source
)

select * from final
