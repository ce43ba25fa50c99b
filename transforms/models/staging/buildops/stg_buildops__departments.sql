with source as (
    select * from {{ raw_rows('buildops', 'departments', ['id']) }}
),

renamed as (
    select
        id as department_id,
        {{ trimmed('name') }} as department_name,
        tagname as department_tag,
        -- The Spectrum company a department posts to, where BuildOps tenants keep it: the accounting
        -- entity, else the 'MEC - ...' name prefix.
        upper(coalesce(
            {{ trimmed(json_str('accountingattributes', 'accountingEntity')) }},
            {{ trimmed(dbt.split_part('name', "' - '", 1)) }}
        )) as company_code
    from source
)

select * from renamed
