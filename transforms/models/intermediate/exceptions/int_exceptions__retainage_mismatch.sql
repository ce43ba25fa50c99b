with applications as (
    select * from {{ ref('stg_spectrum__progress_billings') }}
),

ar_invoices as (
    select * from {{ ref('stg_spectrum__ar_invoices') }} where transaction_type = 'I'
),

-- 1. An AIA application whose retention differs from the retention on its AR invoice.
application_vs_invoice as (
    select
        {{ exception_select('retainage_mismatch', 'high', 'abs(b.retention_amount - i.retention_amount)',
            "'Application ' || " ~ text('b.application_number') ~ " || ' on job ' || b.job_number || ' holds retention '
              || " ~ text('b.retention_amount') ~ " || ' but its AR invoice ' || b.invoice_number || ' holds '
              || " ~ text('i.retention_amount') ~ " || '; correct the invoice so retainage receivable ties to the draw.'",
            {'company_code': 'b.company_code', 'customer_code': 'b.customer_code', 'job_number': 'b.job_number',
             'application_number': 'b.application_number', 'invoice_or_transaction': 'b.invoice_number'},
            occurred_on='coalesce(i.invoice_date, b.application_date)',
            spectrum_value="'application ' || " ~ text('b.retention_amount') ~ " || ', invoice ' || " ~ text('i.retention_amount')) }}
    from applications as b
    inner join ar_invoices as i
        on i.company_code = b.company_code and i.customer_code = b.customer_code
        and i.invoice_number = b.invoice_number
    where b.retention_amount <> i.retention_amount
),

-- 2. An AR invoice whose retention amount is not its retention percent of the invoice (before tax, or with
-- it: either reading ties), by more than rounding. An invoice already caught by (1) is not repeated.
-- The percent of the invoice is taken as a decimal at 8 places (a 4-place percent times cents, over 100: exact):
-- DuckDB divides decimals in floating point, where 5% of 1,000.00 less 50.01 is 0.00999999999999801, and a
-- retention exactly one cent off would not be flagged.
percent_vs_amount as (
    select
        i.*,
        cast(round(cast(i.retention_percent * i.invoice_extension / 100 as decimal(20, 8)), 2) as decimal(18, 2))
            as retention_at_percent
    from ar_invoices as i
    where i.retention_percent is not null
      and abs(cast(i.retention_percent * i.invoice_extension / 100 as decimal(20, 8)) - i.retention_amount) >= 0.01
      and abs(cast(i.retention_percent * i.invoice_total / 100 as decimal(20, 8)) - i.retention_amount) >= 0.01
      and not exists (
          select 1 from applications as b
          where b.company_code = i.company_code and b.customer_code = i.customer_code
            and b.invoice_number = i.invoice_number and b.retention_amount <> i.retention_amount
      )
),

percent_mismatch as (
    select
        {{ exception_select('retainage_mismatch', 'high', 'abs(retention_at_percent - retention_amount)',
            "'Spectrum invoice ' || invoice_number || ' holds retention ' || " ~ text('retention_amount')
              ~ " || ' but its retention percent ' || " ~ text('retention_percent')
              ~ " || ' of ' || " ~ text('invoice_extension') ~ " || ' is ' || " ~ text('retention_at_percent')
              ~ " || '; correct the percent or the amount so retainage receivable is right.'",
            {'company_code': 'company_code', 'customer_code': 'customer_code', 'job_number': 'job_number',
             'invoice_or_transaction': 'invoice_number'},
            occurred_on='invoice_date',
            spectrum_value="'amount ' || " ~ text('retention_amount') ~ " || ', percent x invoice ' || " ~ text('retention_at_percent')) }}
    from percent_vs_amount
),

-- 3. A BuildOps invoice whose retainage differs from the retention Spectrum holds on the same canonical invoice.
-- Only where BuildOps sent a retainage value (the field is unverified: a tenant without it is not compared).
buildops_vs_spectrum as (
    select
        b.invoice_id, b.invoice_number as buildops_invoice_number, b.retainage_amount as buildops_retainage,
        i.company_code, i.customer_code, i.job_number, i.invoice_number, i.invoice_date,
        i.retention_amount as spectrum_retention
    from {{ ref('stg_buildops__invoices') }} as b
    inner join ar_invoices as i on i.invoice_number = b.canonical_invoice_number
    where not b.is_deleted and not b.is_draft_or_void and b.retainage_amount is not null
      and b.retainage_amount <> i.retention_amount
),

buildops_mismatch as (
    select
        {{ exception_select('retainage_mismatch', 'high', 'abs(buildops_retainage - spectrum_retention)',
            "'BuildOps withholds ' || " ~ text('buildops_retainage') ~ " || ' of retainage on invoice ' || buildops_invoice_number
              || ' but Spectrum holds ' || " ~ text('spectrum_retention') ~ " || ' on ' || invoice_number
              || '; correct the retention in Spectrum (or the invoice in BuildOps) so retainage receivable ties.'",
            {'company_code': 'company_code', 'customer_code': 'customer_code',
             'invoice_or_transaction': 'invoice_number', 'buildops_invoice_id': 'invoice_id',
             'buildops_invoice_number': 'buildops_invoice_number'},
            occurred_on='invoice_date',
            buildops_value=text('buildops_retainage'), spectrum_value=text('spectrum_retention')) }}
    from buildops_vs_spectrum
),

retainage_mismatch as (
    select * from application_vs_invoice
    union all
    select * from percent_mismatch
    union all
    select * from buildops_mismatch
)

select * from retainage_mismatch
