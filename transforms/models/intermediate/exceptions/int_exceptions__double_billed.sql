with invoices as (
    select * from {{ ref('fct_invoices') }}
),

spectrum_ar as (
    select * from {{ ref('int_invoice_status') }}
),

jobs as (
    select * from {{ ref('int_jobs') }}
),

-- 1. A Spectrum invoice keyed by hand for a ticket BuildOps already posted: same customer, job and total,
-- dated within a week after the original.
posted_from_buildops as (
    select * from invoices where buildops_invoice_id is not null and spectrum_status <> 'not_posted'
),

keyed_in_spectrum as (
    select s.* from spectrum_ar as s
    where s.application_number is null
      and not exists (select 1 from invoices as i
                      where i.buildops_invoice_id is not null and i.canonical_invoice_number = s.invoice_number)
),

keyed_twice as (
    select
        {{ exception_select('double_billed', 'high', 'm.invoice_total',
            "'Spectrum invoice ' || m.invoice_number || ' repeats BuildOps invoice ' || o.canonical_invoice_number
              || ' (same customer, job and total ' || " ~ text('m.invoice_total')
              ~ " || '); credit the duplicate before statements go out.'",
            {'company_code': 'm.company_code', 'customer_code': 'm.customer_code',
             'job_number': "coalesce(m.job_number, '')", 'invoice_or_transaction': 'o.canonical_invoice_number',
             'duplicate_invoice_or_transaction': 'm.invoice_number', 'buildops_invoice_id': 'o.buildops_invoice_id'},
            occurred_on='m.invoice_date',
            buildops_value=text('o.buildops_total'),
            spectrum_value="'2 invoices of ' || " ~ text('m.invoice_total') ~ " || ': ' || o.canonical_invoice_number || ', ' || m.invoice_number") }}
    from keyed_in_spectrum as m
    inner join posted_from_buildops as o
        on o.company_code = m.company_code
        and o.spectrum_customer_code = m.customer_code
        and coalesce(o.spectrum_job_number, '') = coalesce(m.job_number, '')
        and o.spectrum_total = m.invoice_total
        and m.invoice_date between o.invoice_date and {{ dbt.dateadd('day', 7, 'o.invoice_date') }}
),

-- 2. A BuildOps invoice on a progress-billed job that Spectrum bills by AIA draws. BuildOps keeps a copy of
-- each draw; a true copy matches a draw's amount (before or after tax: draws carry none) in the draw's month.
-- Anything else on that job is a potential double bill. Invoices posted to Spectrum AR are routing_ambiguous.
drawn_job_invoices as (
    select
        i.buildops_invoice_id, i.buildops_invoice_number, i.invoice_date, i.buildops_total, i.revenue_amount,
        j.company_code, j.spectrum_job_number, j.spectrum_customer_code, j.buildops_job_id
    from invoices as i
    inner join jobs as j on j.buildops_job_id = i.buildops_job_id
    where i.buildops_invoice_id is not null
      and i.spectrum_status = 'not_posted'
      and i.buildops_total > 0  -- a zero or credit invoice bills nothing twice
      and j.is_progress_billed_type and j.billing_route <> 'buildops_service'
      and j.spectrum_job_number is not null and j.spectrum_draw_count > 0
),

draws as (
    select
        company_code, job_number,
        {{ dbt.date_trunc('month', 'coalesce(period_end_date, application_date)') }} as draw_month,
        amount_due + retention_amount as billed_this_period
    from {{ ref('stg_spectrum__progress_billings') }}
),

true_copies as (
    select distinct b.buildops_invoice_id
    from drawn_job_invoices as b
    inner join draws as d
        on d.company_code = b.company_code and d.job_number = b.spectrum_job_number
        and d.draw_month = {{ dbt.date_trunc('month', 'b.invoice_date') }}
        and d.billed_this_period in (b.buildops_total, b.revenue_amount)
),

drawn_in_month as (
    select b.buildops_invoice_id, sum(d.billed_this_period) as drawn
    from drawn_job_invoices as b
    inner join draws as d
        on d.company_code = b.company_code and d.job_number = b.spectrum_job_number
        and d.draw_month = {{ dbt.date_trunc('month', 'b.invoice_date') }}
    group by b.buildops_invoice_id
),

billed_beside_a_draw as (
    select
        {{ exception_select('double_billed', 'high', 'b.buildops_total',
            "'BuildOps invoice ' || b.buildops_invoice_number || ' bills ' || " ~ text('b.buildops_total')
              ~ " || ' on job ' || b.spectrum_job_number || ', which Spectrum bills by AIA draws (' || "
              ~ text('coalesce(m.drawn, 0)') ~ " || ' drawn that month); it matches no draw, so the customer may be billed twice: void it in BuildOps or take the work out of the next draw.'",
            {'company_code': 'b.company_code', 'customer_code': 'b.spectrum_customer_code',
             'job_number': 'b.spectrum_job_number', 'buildops_job_id': 'b.buildops_job_id',
             'buildops_invoice_id': 'b.buildops_invoice_id', 'buildops_invoice_number': 'b.buildops_invoice_number'},
            occurred_on='b.invoice_date',
            buildops_value=text('b.buildops_total'),
            spectrum_value="'draws that month: ' || " ~ text('coalesce(m.drawn, 0)')) }}
    from drawn_job_invoices as b
    left join drawn_in_month as m on m.buildops_invoice_id = b.buildops_invoice_id
    where not exists (select 1 from true_copies as c where c.buildops_invoice_id = b.buildops_invoice_id)
),

double_billed as (
    select * from keyed_twice
    union all
    select * from billed_beside_a_draw
)

select * from double_billed
