-- Ticket-level detail behind each daily summary posting: every BuildOps record destination-spectrum
-- posted (or held, or rejected) with the summary it rolled into (stg_ledger__postings: empty until
-- destination-spectrum has run).

with
postings as (
    select * from {{ ref('stg_ledger__postings') }}
),

invoices as (
    select invoice_id, invoice_number, canonical_invoice_number, job_id, job_number, issued_date
    from {{ ref('stg_buildops__invoices') }}
),

final as (
    select
        r.*,
        i.invoice_number as buildops_invoice_number,
        i.canonical_invoice_number,
        i.job_number,
        i.issued_date as ticket_date
    from postings as r
    left join invoices as i on i.invoice_id = r.source_key
    where r.posting_mode = 'daily_summary'
)

select * from final
