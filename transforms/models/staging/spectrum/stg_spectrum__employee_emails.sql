with source as (
    select * from {{ raw_rows('spectrum', 'employee_emails', ['company_code', 'employee_code']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('employee_code') }} as employee_code,
        {{ trimmed('employee_email') }} as employee_email
    from source
)

select * from renamed
