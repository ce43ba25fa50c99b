-- Spectrum AR invoices with the AIA draw (application) each one bills: the real AR header carries no
-- application number; the billing header names the invoice it produced.
with invoices as (
    select * from {{ ref('stg_spectrum__ar_invoices') }}
),

draws as (
    select company_code, customer_code, invoice_number, min(application_number) as application_number
    from {{ ref('stg_spectrum__progress_billings') }}
    where invoice_number is not null
    group by company_code, customer_code, invoice_number
),

final as (
    select
        i.*,
        d.application_number
    from invoices as i
    left join draws as d
        on d.company_code = i.company_code and d.customer_code = i.customer_code
        and d.invoice_number = i.invoice_number
)

select * from final
