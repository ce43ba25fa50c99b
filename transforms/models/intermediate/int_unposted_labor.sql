-- Labor worked in the field (BuildOps timesheets) that Spectrum payroll has not costed yet, per job,
-- employee and work date up to the close (the last day of var('close_period')): work of the period still
-- missing from payroll belongs in the period's cost, later work in a later close's. The cost is an estimate: hours x the employee's Spectrum
-- pay rate x (1 + burden rate), because payroll has not run for these hours.
with timesheets as (
    select * from {{ ref('stg_buildops__timesheets') }}
    where not is_deleted and job_id is not null and work_date <= {{ close_period_end() }}
),

employees as (
    select * from {{ ref('stg_buildops__employees') }}
),

jobs as (
    select * from {{ ref('int_jobs') }}
),

-- Per Spectrum job, as payroll costs it: the tickets on one umbrella job add up before they are compared.
-- Hours on a job that resolves to no Spectrum job are left out (job_unmatched names such jobs).
field_hours as (
    select
        j.company_code,
        j.spectrum_job_number as job_number,
        e.employee_number as employee_code,
        ts.work_date,
        sum(ts.hours) as field_hours
    from timesheets as ts
    inner join jobs as j on j.buildops_job_id = ts.job_id
    left join employees as e on e.employee_id = ts.employee_id
    where j.spectrum_job_number is not null
    group by j.company_code, j.spectrum_job_number, e.employee_number, ts.work_date
),

payroll_hours as (
    select company_code, job_number, employee_code, work_date, sum(hours) as payroll_hours
    from {{ ref('stg_spectrum__payroll_time_cards') }}
    group by company_code, job_number, employee_code, work_date
),

spectrum_employees as (
    select * from {{ ref('stg_spectrum__employees') }}
),

compared as (
    select
        fh.*,
        coalesce(ph.payroll_hours, 0) as payroll_hours,
        fh.field_hours - coalesce(ph.payroll_hours, 0) as unposted_hours,
        se.pay_rate,
        se.burden_rate
    from field_hours as fh
    left join payroll_hours as ph
        on ph.company_code = fh.company_code and ph.job_number = fh.job_number
        and ph.employee_code = fh.employee_code and ph.work_date = fh.work_date
    left join spectrum_employees as se
        on se.company_code = fh.company_code and se.employee_code = fh.employee_code
),

final as (
    select
        *,
        cast(unposted_hours * coalesce(pay_rate, 0) * (1 + coalesce(burden_rate, 0)) as decimal(18, 2))
            as estimated_unposted_labor_cost
    from compared
    where unposted_hours > 0
)

select * from final
