with source as (
    select * from {{ raw_rows('spectrum', 'employees', ['company_code', 'employee_code']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('employee_code') }} as employee_code,
        {{ trimmed('employee_name') }} as employee_name,
        {{ trimmed('employment_status') }} as employment_status,
        {{ rate('hourly_rate') }} as pay_rate,
        -- Burden_Percent is a percent (34 = 34 %); the marts multiply by a fraction.
        cast({{ rate('burden_percent') }} / 100 as decimal(18, 4)) as burden_rate
    from source
)

select * from renamed
