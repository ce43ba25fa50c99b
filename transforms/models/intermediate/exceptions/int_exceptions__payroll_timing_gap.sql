with weeks as (
    select * from {{ ref('int_payroll_weeks') }}
),

-- An employee-week worked in BuildOps that Spectrum payroll does not hold when it should:
-- (1) its check date has passed and no hours of it reached Spectrum (at stake the week's hours x pay rate), or
-- (2) labor worked in the close period that Spectrum payroll did not hold by the close's cutoff (period end plus
-- policy.yml close.payroll_cutoff_days), once the cutoff has passed (at stake those close-period hours x pay
-- rate). One row per employee-week either way: job cost for the close is understated until payroll posts it.
gaps as (
    select
        *,
        is_payroll_due and spectrum_hours = 0 and buildops_hours > 0 as never_reached_payroll,
        is_cutoff_passed and close_period_hours > 0 and spectrum_hours_by_cutoff = 0 as missed_the_cutoff
    from weeks
),

payroll_timing_gap as (
    select
        {{ exception_select('payroll_timing_gap', 'medium',
            'case when never_reached_payroll then base_pay_estimate else close_period_pay_estimate end',
            "case when never_reached_payroll then "
              ~ text('buildops_hours') ~ " || ' hours ' || coalesce(employee_name, employee_code) || ' worked in the week ending '
              || " ~ text('period_end_date') ~ " || ' are in BuildOps but not in Spectrum payroll (check date '
              || " ~ text('check_date') ~ " || '); job cost is understated until payroll posts them.'
              else " ~ text('close_period_hours') ~ " || ' hours ' || coalesce(employee_name, employee_code)
              || ' worked in the close period (week ending ' || " ~ text('period_end_date')
              ~ " || ') were not in Spectrum payroll by the cutoff ' || " ~ text('payroll_cutoff_date')
              ~ " || '; accrue the labor in this close or post the payroll.' end",
            {'company_code': 'company_code', 'employee_code': 'employee_code',
             'buildops_employee_id': 'buildops_employee_id', 'period_end_date': 'period_end_date'},
            occurred_on='first_work_date',
            buildops_value="case when never_reached_payroll then " ~ text('buildops_hours') ~ " else " ~ text('close_period_hours') ~ " end",
            spectrum_value="case when never_reached_payroll then " ~ text('spectrum_hours') ~ " else " ~ text('spectrum_hours_by_cutoff') ~ " || ' by ' || " ~ text('payroll_cutoff_date') ~ " end") }}
    from gaps
    where never_reached_payroll or missed_the_cutoff
)

select * from payroll_timing_gap
