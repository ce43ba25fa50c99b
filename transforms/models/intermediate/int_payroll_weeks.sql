-- Field hours per employee and payroll week (weeks end Saturday; checks are dated the Friday after)
-- beside what Spectrum payroll holds for the same week. A week whose check date is after
-- var('as_of_date') is not expected in Spectrum yet: that is timing, not a gap. For the close of
-- var('close_period'): the week's hours worked in that month, and what Spectrum payroll held for the week by
-- the close's cutoff (the month's last day plus policy.yml close.payroll_cutoff_days).
with timesheets as (
    select * from {{ ref('stg_buildops__timesheets') }} where not is_deleted and work_date is not null
),

buildops_employees as (
    select * from {{ ref('stg_buildops__employees') }}
),

spectrum_employees as (
    select * from {{ ref('stg_spectrum__employees') }}
),

weeks as (
    select
        ts.employee_id as buildops_employee_id,
        upper(e.employee_number) as employee_code,
        cast({{ dbt.dateadd('day', '6 - cast(extract(dow from ts.work_date) as integer)', 'ts.work_date') }} as date) as period_end_date,
        min(ts.work_date) as first_work_date,
        sum(ts.hours) as buildops_hours,
        sum(case when ts.work_date between {{ close_period_start() }} and {{ close_period_end() }} then ts.hours else 0 end)
            as close_period_hours
    from timesheets as ts
    inner join buildops_employees as e on e.employee_id = ts.employee_id
    group by ts.employee_id, upper(e.employee_number),
        cast({{ dbt.dateadd('day', '6 - cast(extract(dow from ts.work_date) as integer)', 'ts.work_date') }} as date)
),

payroll as (
    select company_code, employee_code, period_end_date, sum(hours) as spectrum_hours,
           sum(pay_extension) as gross_pay, sum(burden_amount) as burden,
           sum(case when check_date <= {{ payroll_cutoff_date() }} then hours else 0 end) as spectrum_hours_by_cutoff
    from {{ ref('stg_spectrum__payroll_time_cards') }}
    group by company_code, employee_code, period_end_date
),

final as (
    select
        se.company_code,
        w.employee_code,
        w.buildops_employee_id,
        se.employee_name,
        w.period_end_date,
        w.first_work_date,
        cast({{ dbt.dateadd('day', 6, 'w.period_end_date') }} as date) as check_date,
        cast({{ dbt.dateadd('day', 6, 'w.period_end_date') }} as date) <= {{ as_of_date() }} as is_payroll_due,
        w.buildops_hours,
        -- Hours to 4 places on every engine (PostgreSQL's bare numeric would drop the scale of a sum or a 0).
        cast(coalesce(p.spectrum_hours, 0) as decimal(18, 4)) as spectrum_hours,
        cast(w.close_period_hours as decimal(18, 4)) as close_period_hours,
        cast(coalesce(p.spectrum_hours_by_cutoff, 0) as decimal(18, 4)) as spectrum_hours_by_cutoff,
        {{ payroll_cutoff_date() }} as payroll_cutoff_date,
        {{ payroll_cutoff_date() }} <= {{ as_of_date() }} as is_cutoff_passed,
        se.pay_rate,
        cast(round(w.buildops_hours * se.pay_rate, 2) as decimal(18, 2)) as base_pay_estimate,
        cast(round(w.close_period_hours * se.pay_rate, 2) as decimal(18, 2)) as close_period_pay_estimate
    from weeks as w
    inner join spectrum_employees as se on se.employee_code = w.employee_code
    left join payroll as p
        on p.company_code = se.company_code and p.employee_code = w.employee_code
        and p.period_end_date = w.period_end_date
)

select * from final
