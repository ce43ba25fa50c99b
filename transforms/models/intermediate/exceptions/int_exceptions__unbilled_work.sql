with jobs as (
    select * from {{ ref('int_jobs') }}
),

-- Completed service work (no agreement) with cost in Spectrum and no invoice on either side. It belongs to
-- the month the work was completed (BuildOps completedDate, else the job's last visit).
job_last_visit as (
    select job_id, max(scheduled_date) as last_visit_date
    from {{ ref('stg_buildops__visits') }}
    where job_id is not null
    group by job_id
),

unbilled_work as (
    select
        {{ exception_select('unbilled_work', 'high', 'job_cost_to_date',
            "'Service job ' || spectrum_job_number || ' was completed in BuildOps and carries ' || "
              ~ text('job_cost_to_date') ~ " || ' of cost in Spectrum, but nobody has invoiced it; bill it or write it off.'",
            {'company_code': 'company_code', 'job_number': 'spectrum_job_number', 'buildops_job_id': 'buildops_job_id'},
            occurred_on='coalesce(j.completed_date, v.last_visit_date)',
            buildops_value="'complete, 0 invoices'", spectrum_value="'job cost ' || " ~ text('job_cost_to_date') ~ " || ', 0 invoices'") }}
    from jobs as j
    left join job_last_visit as v on v.job_id = j.buildops_job_id
    where work_kind = 'service'
      and lower(coalesce(buildops_status, '')) = 'complete'
      and spectrum_job_number is not null
      and buildops_live_invoice_count = 0
      and spectrum_invoice_count = 0
      and job_cost_to_date > 0
)

select * from unbilled_work
