with jobs as (
    select * from {{ ref('int_jobs') }}
),

visits as (
    select * from {{ ref('stg_buildops__visits') }}
    where job_id is not null and scheduled_date is not null and lower(coalesce(visit_status, '')) in ('completed', 'complete')
),

-- Billing started on a job: its invoices, drafts included; only voids and deletions undo it (as int_jobs counts).
job_invoices as (
    select job_id, issued_date
    from {{ ref('stg_buildops__invoices') }}
    where not is_deleted and job_id is not null and lower(coalesce(buildops_status, '')) not in ('void', 'voided')
),

-- 1. Completed service work (no agreement) with cost in Spectrum and no invoice on either side. It belongs to
-- the month the work was completed (BuildOps completedDate, else the job's last visit).
job_last_visit as (
    select job_id, max(scheduled_date) as last_visit_date
    from {{ ref('stg_buildops__visits') }}
    where job_id is not null
    group by job_id
),

unbilled_jobs as (
    select j.*, v.last_visit_date
    from jobs as j
    left join job_last_visit as v on v.job_id = j.buildops_job_id
    where work_kind = 'service'
      and lower(coalesce(buildops_status, '')) = 'complete'
      and spectrum_job_number is not null
      -- An umbrella job's cost and invoices are every ticket's on it: they say nothing about this ticket.
      and not is_umbrella_job
      and buildops_live_invoice_count = 0
      and spectrum_invoice_count = 0
      and job_cost_to_date > 0
),

job_level as (
    select
        {{ exception_select('unbilled_work', 'high', 'job_cost_to_date',
            "'Service job ' || spectrum_job_number || ' was completed in BuildOps and carries ' || "
              ~ text('job_cost_to_date') ~ " || ' of cost in Spectrum, but nobody has invoiced it; bill it or write it off.'",
            {'company_code': 'company_code', 'job_number': 'spectrum_job_number', 'buildops_job_id': 'buildops_job_id'},
            occurred_on='coalesce(completed_date, last_visit_date)',
            buildops_value="'complete, 0 invoices'", spectrum_value="'job cost ' || " ~ text('job_cost_to_date') ~ " || ', 0 invoices'") }}
    from unbilled_jobs
),

-- 2. A completed visit on a service job (no agreement) with no invoice on its job dated on or after the visit,
-- once policy.yml close.unbilled_visit_days (default 5) have passed since it: the follow-up nobody billed.
-- A job (1) already names is not repeated visit by visit. At stake the visit's timesheet hours x pay rate.
visit_labor as (
    select
        ts.visit_id,
        cast(round(sum(ts.hours * se.pay_rate), 2) as decimal(18, 2)) as labor_cost,
        sum(ts.hours) as hours
    from {{ ref('stg_buildops__timesheets') }} as ts
    inner join {{ ref('stg_buildops__employees') }} as e on e.employee_id = ts.employee_id
    inner join {{ ref('stg_spectrum__employees') }} as se on se.employee_code = upper(e.employee_number)
    where not ts.is_deleted and ts.visit_id is not null
    group by ts.visit_id
),

unbilled_visits as (
    select v.visit_id, v.visit_number, v.scheduled_date, j.company_code, j.spectrum_job_number, j.buildops_job_id,
           j.job_number, coalesce(l.labor_cost, 0) as labor_cost, coalesce(l.hours, 0) as hours
    from visits as v
    inner join jobs as j on j.buildops_job_id = v.job_id
    left join visit_labor as l on l.visit_id = v.visit_id
    where j.work_kind = 'service'
      and {{ dbt.dateadd('day', close_policy().unbilled_visit_days, 'v.scheduled_date') }} <= {{ as_of_date() }}
      and not exists (select 1 from job_invoices as i where i.job_id = v.job_id and i.issued_date >= v.scheduled_date)
      and not exists (select 1 from unbilled_jobs as u where u.buildops_job_id = v.job_id)
),

visit_level as (
    select
        {{ exception_select('unbilled_work', 'high', 'labor_cost',
            "'Visit ' || " ~ text('visit_number') ~ " || ' on job ' || coalesce(spectrum_job_number, job_number) || ' was completed on '
              || " ~ text('scheduled_date') ~ " || ' (' || " ~ text('hours') ~ " || ' hours) and no invoice on the job is dated on or after it; bill the visit or write it off.'",
            {'company_code': 'company_code', 'job_number': 'spectrum_job_number', 'buildops_job_id': 'buildops_job_id',
             'buildops_visit_id': 'visit_id'},
            occurred_on='scheduled_date',
            buildops_value="'visit completed ' || " ~ text('scheduled_date') ~ " || ', no invoice since'",
            spectrum_value="'labor ' || " ~ text('labor_cost')) }}
    from unbilled_visits
),

unbilled_work as (
    select * from job_level
    union all
    select * from visit_level
)

select * from unbilled_work
