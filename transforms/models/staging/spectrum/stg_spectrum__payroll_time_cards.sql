with source as (
    select * from {{ raw_rows('spectrum', 'payroll_time_cards', ['row_key']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('employee_code') }} as employee_code,
        {{ trimmed('check_number') }} as check_number,
        {{ iso_date('check_date') }} as check_date,
        {{ iso_date('period_end_date') }} as period_end_date,
        {{ iso_date('work_date') }} as work_date,
        {{ trimmed('pay_type') }} as pay_type,
        {{ rate('hours') }} as hours,
        {{ rate('pay_rate') }} as pay_rate,
        coalesce({{ money('pay_extension') }}, 0) as pay_extension,
        coalesce({{ money('burden_amount') }}, 0) as burden_amount,
        {{ trimmed('job_number') }} as job_number,
        {{ trimmed('phase_code') }} as phase_code,
        {{ trimmed('cost_type') }} as cost_type
    from source
)

select * from renamed
