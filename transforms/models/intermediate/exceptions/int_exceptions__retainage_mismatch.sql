with
-- An AIA application whose retention differs from the retention on its AR invoice.
retainage_mismatch as (
    select
        {{ exception_select('retainage_mismatch', 'high', 'abs(b.retention_amount - i.retention_amount)',
            "'Application ' || " ~ text('b.application_number') ~ " || ' on job ' || b.job_number || ' holds retention '
              || " ~ text('b.retention_amount') ~ " || ' but its AR invoice ' || b.invoice_number || ' holds '
              || " ~ text('i.retention_amount') ~ " || '; correct the invoice so retainage receivable ties to the draw.'",
            {'company_code': 'b.company_code', 'customer_code': 'b.customer_code', 'job_number': 'b.job_number',
             'application_number': 'b.application_number', 'invoice_or_transaction': 'b.invoice_number'},
            occurred_on='coalesce(i.invoice_date, b.application_date)',
            spectrum_value="'application ' || " ~ text('b.retention_amount') ~ " || ', invoice ' || " ~ text('i.retention_amount')) }}
    from {{ ref('stg_spectrum__progress_billings') }} as b
    inner join {{ ref('stg_spectrum__ar_invoices') }} as i
        on i.company_code = b.company_code and i.customer_code = b.customer_code
        and i.invoice_number = b.invoice_number
    where b.retention_amount <> i.retention_amount
)

select * from retainage_mismatch
