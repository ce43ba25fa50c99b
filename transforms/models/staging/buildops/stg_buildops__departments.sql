with source as (
    select * from {{ raw_rows('buildops', 'departments', ['id']) }}
),

renamed as (
    select
        id as department_id,
        {{ trimmed('name') }} as department_name,
        tagname as department_tag,
        -- The Spectrum company a department posts to: the accountingAttributes key named by var
        -- buildops_department_company_key (unverified), else the 'MEC - ...' prefix of the name, then of the
        -- tagName (the field live departments are seen with).
        upper(coalesce(
            {{ trimmed(json_str('accountingattributes', var('buildops_department_company_key'))) }},
            {{ trimmed(dbt.split_part('name', "' - '", 1)) }},
            {{ trimmed(dbt.split_part('tagname', "' - '", 1)) }}
        )) as company_code
    from source
)

select * from renamed
