with invoices as (
    select * from {{ ref('fct_invoices') }}
),

spectrum_ar as (
    select * from {{ ref('int_invoice_status') }}
),

-- A Spectrum invoice keyed by hand for a ticket BuildOps already posted: same customer, job and total,
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

double_billed as (
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
        and coalesce(o.job_number, '') = coalesce(m.job_number, '')
        and o.spectrum_total = m.invoice_total
        and m.invoice_date between o.invoice_date and {{ dbt.dateadd('day', 7, 'o.invoice_date') }}
)

select * from double_billed
