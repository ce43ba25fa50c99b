-- What an AR automation tool (HighRadius, Versapay, Bill.com) consumes: one row per open invoice with the
-- customer master id, the canonical invoice number, the open balance, a retainage signal (retainage is
-- not collectible until close-out, so dunning must not chase it), the invoice type and job/property context.
with invoices as (
    select * from {{ ref('fct_invoices') }}
    where balance <> 0 and spectrum_status <> 'paid' and not is_billing_copy
),

customers as (
    select customer_key, customer_name, billing_parent_customer_id from {{ ref('dim_customers') }}
),

-- The invoice's job: a BuildOps invoice's by its job id, a Spectrum-only one's by Spectrum's key (an umbrella
-- job has one row per ticket, so one job type per Spectrum job).
jobs as (
    select buildops_job_id, job_type from {{ ref('int_jobs') }} where buildops_job_id is not null
),

spectrum_jobs as (
    select company_code, spectrum_job_number, min(job_type) as job_type
    from {{ ref('int_jobs') }}
    where spectrum_job_number is not null
    group by company_code, spectrum_job_number
),

properties as (
    select property_id, property_name from {{ ref('stg_buildops__properties') }}
),

final as (
    select
        i.customer_key,
        c.customer_name,
        c.billing_parent_customer_id,
        i.company_code,
        i.spectrum_customer_code,
        i.canonical_invoice_number,
        i.buildops_invoice_number,
        i.invoice_date,
        i.due_date,
        i.total_amount,
        i.balance as open_balance,
        i.retainage_held,
        i.retainage_held > 0 as has_retainage,
        i.balance - i.retainage_held as collectible_balance,
        i.invoice_type,
        i.spectrum_status,
        i.spectrum_status = 'not_posted' as is_awaiting_posting,
        i.job_number,
        coalesce(j.job_type, sj.job_type) as job_type,
        i.billing_route,
        i.property_id,
        p.property_name
    from invoices as i
    left join customers as c on c.customer_key = i.customer_key
    left join jobs as j on j.buildops_job_id = i.buildops_job_id
    left join spectrum_jobs as sj
        on i.buildops_job_id is null and sj.company_code = i.company_code and sj.spectrum_job_number = i.spectrum_job_number
    left join properties as p on p.property_id = i.property_id
)

select * from final
