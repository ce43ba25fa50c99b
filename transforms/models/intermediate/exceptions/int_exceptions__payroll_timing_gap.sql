with
-- An employee-week worked in BuildOps whose payroll check date has passed but which never reached Spectrum.
payroll_timing_gap as (
    select
        {{ exception_select('payroll_timing_gap', 'medium', 'base_pay_estimate',
            text('buildops_hours') ~ " || ' hours ' || coalesce(employee_name, employee_code) || ' worked in the week ending '
              || " ~ text('period_end_date') ~ " || ' are in BuildOps but not in Spectrum payroll (check date '
              || " ~ text('check_date') ~ " || '); job cost is understated until payroll posts them.'",
            {'company_code': 'company_code', 'employee_code': 'employee_code',
             'buildops_employee_id': 'buildops_employee_id', 'period_end_date': 'period_end_date'},
            occurred_on='first_work_date',
            buildops_value=text('buildops_hours'), spectrum_value=text('spectrum_hours')) }}
    from {{ ref('int_payroll_weeks') }}
    where is_payroll_due and spectrum_hours = 0 and buildops_hours > 0
)

select * from payroll_timing_gap
