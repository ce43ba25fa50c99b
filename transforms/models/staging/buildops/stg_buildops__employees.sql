with source as (
    select * from {{ raw_rows('buildops', 'employees', ['id']) }}
),

renamed as (
    select
        id as employee_id,
        {{ trimmed('employeenumber') }} as employee_number,
        {{ trimmed('name') }} as employee_name,
        usertitle as title,
        istech as is_tech,
        isactive as is_active
    from source
)

select * from renamed
