-- CFO Q4: do projects converted from service earn more than projects won cold? Per origin, from
-- fct_project_origins (the lineage and the margin to date at the close). Definition: the .yml.
with projects as (
    select * from {{ ref('fct_project_origins') }}
),

final as (
    select
        max(close_period) as close_period,
        project_origin,
        count(*) as project_count,
        cast(sum(revenue) as decimal(18, 2)) as revenue,
        cast(sum(cost) as decimal(18, 2)) as cost,
        cast(sum(margin) as decimal(18, 2)) as margin,
        case when sum(revenue) <> 0 then cast(round(sum(margin) / sum(revenue), 4) as decimal(9, 4)) end as margin_pct
    from projects
    group by project_origin
)

select * from final
