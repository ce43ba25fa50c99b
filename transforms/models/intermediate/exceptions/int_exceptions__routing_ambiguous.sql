with invoices as (
    select * from {{ ref('fct_invoices') }}
),

jobs as (
    select * from {{ ref('int_jobs') }}
),

-- Who bills the job is unclear. Billed from both sides: one row per BuildOps invoice posted to Spectrum AR
-- on a progress-billed job. A service ticket with AIA draws: one row per job, at stake what BuildOps billed.
both_sides_invoices as (
    select
        j.company_code, j.spectrum_job_number, j.buildops_job_id, j.job_type, i.canonical_invoice_number, i.total_amount,
        i.invoice_date
    from jobs as j
    inner join invoices as i on i.buildops_job_id = j.buildops_job_id
    where j.billing_route = 'ambiguous' and j.is_progress_billed_type and i.spectrum_status <> 'not_posted'
),

-- The earliest bill on either side of a job: its BuildOps invoices (live ones) and its Spectrum AIA draws
-- (a job-level routing problem belongs there, else to the job's creation).
job_bill_dates as (
    select job_id as buildops_job_id, issued_date as billed_on
    from {{ ref('stg_buildops__invoices') }}
    where not is_deleted and not is_draft_or_void and job_id is not null
    union all
    select j.buildops_job_id, b.application_date as billed_on
    from {{ ref('stg_spectrum__progress_billings') }} as b
    inner join jobs as j on j.company_code = b.company_code and j.spectrum_job_number = b.job_number
    where j.buildops_job_id is not null
),

job_first_billed as (
    select buildops_job_id as billed_job_id, min(billed_on) as first_billed_date
    from job_bill_dates
    group by buildops_job_id
),

routing_ambiguous as (
    select
        {{ exception_select('routing_ambiguous', 'medium', 'total_amount',
            "'Job ' || spectrum_job_number || ' (' || job_type || ') is progress billed in Spectrum, yet BuildOps invoice '
              || canonical_invoice_number || ' was also posted to Spectrum AR; void one of the two bills.'",
            {'company_code': 'company_code', 'job_number': 'spectrum_job_number', 'buildops_job_id': 'buildops_job_id',
             'invoice_or_transaction': 'canonical_invoice_number'},
            occurred_on='invoice_date',
            buildops_value=text('total_amount'), spectrum_value="'posted to AR on a progress-billed job'") }}
    from both_sides_invoices
    union all
    select
        {{ exception_select('routing_ambiguous', 'medium', 'buildops_invoiced',
            "'Service job ' || spectrum_job_number || ' (' || job_type || ') has ' || " ~ text('spectrum_draw_count')
              ~ " || ' AIA draw(s) in Spectrum while BuildOps billed ' || " ~ text('buildops_invoiced')
              ~ " || '; decide in policy.yml who bills it before either side bills again.'",
            {'company_code': 'company_code', 'job_number': 'spectrum_job_number', 'buildops_job_id': 'buildops_job_id'},
            occurred_on='coalesce(d.first_billed_date, j.created_date)',
            buildops_value=text('buildops_invoiced'), spectrum_value=text('spectrum_draw_count') ~ " || ' draw(s)'") }}
    from jobs as j
    left join job_first_billed as d on d.billed_job_id = j.buildops_job_id
    where billing_route = 'ambiguous' and not is_progress_billed_type
)

select * from routing_ambiguous
