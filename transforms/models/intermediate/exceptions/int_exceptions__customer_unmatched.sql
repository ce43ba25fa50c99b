with spectrum_ar as (
    select * from {{ ref('int_invoice_status') }}
),

jobs as (
    select * from {{ ref('int_jobs') }}
),

-- 1. A Spectrum customer BuildOps bills (its jobs point there) that neither the crosswalk nor the code or
-- name rules tie to the BuildOps customer: AR for that customer cannot be reconciled.
unmatched_customers as (
    select distinct
        x.company_code, x.customer_code, x.spectrum_customer_name, j.buildops_billing_customer_id
    from {{ ref('int_customer_xref') }} as x
    inner join jobs as j
        on j.company_code = x.company_code and j.spectrum_customer_code = x.customer_code
    where x.match_method = 'unmatched' and j.buildops_billing_customer_id is not null
),

customer_billing as (
    select j.company_code, j.buildops_billing_customer_id, sum(j.buildops_invoiced) as buildops_invoiced
    from jobs as j
    where j.spectrum_job_number is not null and not j.is_progress_billed_type
    group by j.company_code, j.buildops_billing_customer_id
),

-- The earliest invoice on either side that the unmatched pair touches (BuildOps invoices on the jobs that
-- point at the Spectrum customer, Spectrum AR invoices of that customer), else the earliest such job.
unmatched_customer_invoice_dates as (
    select u.company_code, u.customer_code, u.buildops_billing_customer_id, bi.issued_date as invoice_date
    from unmatched_customers as u
    inner join jobs as j
        on j.company_code = u.company_code and j.spectrum_customer_code = u.customer_code
        and j.buildops_billing_customer_id = u.buildops_billing_customer_id
    inner join {{ ref('stg_buildops__invoices') }} as bi on bi.job_id = j.buildops_job_id
    where not bi.is_deleted and not bi.is_draft_or_void
    union all
    select u.company_code, u.customer_code, u.buildops_billing_customer_id, s.invoice_date
    from unmatched_customers as u
    inner join spectrum_ar as s on s.company_code = u.company_code and s.customer_code = u.customer_code
),

unmatched_customer_job_dates as (
    select u.company_code, u.customer_code, u.buildops_billing_customer_id, min(j.created_date) as first_job_date
    from unmatched_customers as u
    inner join jobs as j
        on j.company_code = u.company_code and j.spectrum_customer_code = u.customer_code
        and j.buildops_billing_customer_id = u.buildops_billing_customer_id
    group by u.company_code, u.customer_code, u.buildops_billing_customer_id
),

unmatched_customer_dates as (
    select
        jd.company_code, jd.customer_code, jd.buildops_billing_customer_id, jd.first_job_date,
        min(idates.invoice_date) as first_invoice_date
    from unmatched_customer_job_dates as jd
    left join unmatched_customer_invoice_dates as idates
        on idates.company_code = jd.company_code and idates.customer_code = jd.customer_code
        and idates.buildops_billing_customer_id = jd.buildops_billing_customer_id
    group by jd.company_code, jd.customer_code, jd.buildops_billing_customer_id, jd.first_job_date
),

spectrum_side as (
    select
        {{ exception_select('customer_unmatched', 'medium', 'coalesce(b.buildops_invoiced, 0)',
            "'Spectrum customer ' || u.customer_code || ' (' || u.spectrum_customer_name || ') in ' || u.company_code
              || ' is billed for BuildOps customer ' || coalesce(c.customer_name, u.buildops_billing_customer_id)
              || ' but no crosswalk row, code or name ties them; add the pair to customer_crosswalk.csv.'",
            {'company_code': 'u.company_code', 'customer_code': 'u.customer_code',
             'buildops_customer_id': 'u.buildops_billing_customer_id'},
            occurred_on='coalesce(d.first_invoice_date, d.first_job_date)',
            buildops_value="coalesce(c.customer_name, u.buildops_billing_customer_id)", spectrum_value='u.spectrum_customer_name') }}
    from unmatched_customers as u
    left join customer_billing as b
        on b.company_code = u.company_code and b.buildops_billing_customer_id = u.buildops_billing_customer_id
    left join {{ ref('stg_buildops__customers') }} as c on c.customer_id = u.buildops_billing_customer_id
    left join unmatched_customer_dates as d
        on d.company_code = u.company_code and d.customer_code = u.customer_code
        and d.buildops_billing_customer_id = u.buildops_billing_customer_id
),

-- 2. From the BuildOps side: a billing customer with invoices not in Spectrum AR whose company has no
-- Spectrum customer tied to it (no crosswalk row, code or name), so nothing of it can post. A customer the
-- Spectrum side above already names (its jobs point at an unmatched Spectrum customer) is not repeated.
unposted_billing as (
    select
        company_code, buildops_customer_id, count(*) as invoice_count, sum(buildops_total) as unpostable,
        min(invoice_date) as first_invoice_date
    from {{ ref('fct_invoices') }}
    where buildops_invoice_id is not null and spectrum_status = 'not_posted' and not is_billing_copy
      and company_code is not null and buildops_customer_id is not null
    group by company_code, buildops_customer_id
),

buildops_side as (
    select
        {{ exception_select('customer_unmatched', 'medium', 'b.unpostable',
            "'BuildOps customer ' || coalesce(c.customer_name, b.buildops_customer_id) || ' has ' || "
              ~ text('b.invoice_count') ~ " || ' invoice(s) for ' || " ~ text('b.unpostable') ~ " || ' in ' || b.company_code
              || ' but no Spectrum customer there: no crosswalk row, code or name ties it; add the customer in Spectrum and the pair to customer_crosswalk.csv before they can post.'",
            {'company_code': 'b.company_code', 'buildops_customer_id': 'b.buildops_customer_id'},
            occurred_on='b.first_invoice_date',
            buildops_value='coalesce(c.customer_name, b.buildops_customer_id)', spectrum_value="'no customer'") }}
    from unposted_billing as b
    left join {{ ref('stg_buildops__customers') }} as c on c.customer_id = b.buildops_customer_id
    where not exists (
        select 1 from {{ ref('int_customer_xref') }} as x
        where x.company_code = b.company_code and x.buildops_customer_id = b.buildops_customer_id
    )
      and not exists (
        select 1 from unmatched_customers as u
        where u.company_code = b.company_code and u.buildops_billing_customer_id = b.buildops_customer_id
    )
),

customer_unmatched as (
    select * from spectrum_side
    union all
    select * from buildops_side
)

select * from customer_unmatched
