with source as (
    select * from {{ raw_rows('buildops', 'job_types', ['id']) }}
),

renamed as (
    select
        id as job_type_id,
        {{ trimmed('name') }} as job_type_name,
        tagname as job_type_tag,
        isactive as is_active
    from source
)

select * from renamed
