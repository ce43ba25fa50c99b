with invoices as (
    select * from {{ ref('stg_buildops__invoices') }}
    where not is_deleted and not is_draft_or_void and job_id is not null
),

jobs as (
    select * from {{ ref('int_jobs') }} where buildops_job_id is not null
),

departments as (
    select * from {{ ref('stg_buildops__departments') }}
),

-- A live BuildOps invoice whose job job_crosswalk.csv sends to no Spectrum job: no one-to-one row and no
-- job type or department rule covers the job, or the row names a job Spectrum does not have. The invoice
-- cannot post (destination-spectrum holds it, naming the job); at stake its total.
unmatched as (
    select
        i.invoice_id,
        i.invoice_number,
        i.issued_date,
        i.total_amount,
        i.job_id,
        coalesce(j.buildops_job_number, i.job_number) as buildops_job_number,
        j.job_type,
        j.crosswalk_job_number,
        coalesce(j.crosswalk_company_code, d.company_code) as company_code
    from invoices as i
    left join jobs as j on j.buildops_job_id = i.job_id
    left join departments as d on d.department_id = i.department_id
    where j.spectrum_job_number is null
),

job_unmatched as (
    select
        {{ exception_select('job_unmatched', 'high', 'total_amount',
            "'BuildOps invoice ' || " ~ text('invoice_number') ~ " || ' on job ' || " ~ text('buildops_job_number')
              ~ " || ' (' || " ~ text('job_type') ~ " || ') cannot post: ' || case when crosswalk_job_number is null
              then 'job_crosswalk.csv has no row for the job and no job type or department rule covers it; add a row '
                || '(match_type job_number, match_value ' || " ~ text('buildops_job_number') ~ " || ') naming its Spectrum job.'
              else 'job_crosswalk.csv sends it to Spectrum job ' || crosswalk_job_number || ' in ' || "
                ~ text('company_code') ~ " || ', which Spectrum does not have; open that job in Spectrum or correct the row.'
              end",
            {'company_code': 'company_code', 'buildops_job_id': 'job_id', 'buildops_invoice_id': 'invoice_id',
             'buildops_invoice_number': 'invoice_number'},
            occurred_on='issued_date',
            buildops_value="'job ' || " ~ text('buildops_job_number') ~ " || ', invoice ' || " ~ text('total_amount'),
            spectrum_value="case when crosswalk_job_number is null then 'no job' else 'job ' || crosswalk_job_number || ' not found' end") }}
    from unmatched
)

select * from job_unmatched
