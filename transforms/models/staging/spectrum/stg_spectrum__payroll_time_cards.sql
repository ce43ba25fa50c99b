with source as (
    select * from {{ raw_rows('spectrum', 'payroll_time_cards', ['row_key']) }}
),

renamed as (
    select
        -- PR_TIME_CARD_HISTORY_MC has no unique key (identical cards are legitimate): source-spectrum's
        -- synthetic key, a digest of the row plus its occurrence number.
        row_key,
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
