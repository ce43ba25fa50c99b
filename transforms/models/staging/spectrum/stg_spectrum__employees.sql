with source as (
    select * from {{ raw_rows('spectrum', 'employees', ['company_code', 'employee_code']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('employee_code') }} as employee_code,
        {{ trimmed('employee_name') }} as employee_name,
        {{ trimmed('employment_status') }} as employment_status,
        {{ rate('pay_rate') }} as pay_rate,
        {{ rate('burden_rate') }} as burden_rate
    from source
)

select * from renamed
