-- One row per canonical invoice number: BuildOps' operational status beside Spectrum's financial status.
-- Spectrum is the ledger of record for money once an invoice is posted; before that, BuildOps is all we have.
with buildops_invoices as (
    select * from {{ ref('stg_buildops__invoices') }} where not is_deleted and not is_draft_or_void
),

buildops_cash as (
    select invoice_id, sum(applied_amount) as applied_amount
    from {{ ref('stg_buildops__invoice_payments') }}
    group by invoice_id
),

spectrum_invoices as (
    select * from {{ ref('int_invoice_status') }}
),

customers as (
    select * from {{ ref('int_customer_xref') }}
),

jobs as (
    select * from {{ ref('int_jobs') }}
),

-- A Spectrum-only invoice (an AIA draw, one keyed by hand) finds its job by Spectrum's key; an umbrella job
-- has one row per ticket in int_jobs, so one route per Spectrum job (tickets on one job share its route).
spectrum_job_routes as (
    select company_code, spectrum_job_number, min(billing_route) as billing_route
    from jobs
    where spectrum_job_number is not null
    group by company_code, spectrum_job_number
),

departments as (
    select * from {{ ref('stg_buildops__departments') }}
),

joined as (
    select
        coalesce(si.invoice_number, bi.canonical_invoice_number) as canonical_invoice_number,
        coalesce(si.company_code, d.company_code) as company_code,
        bi.invoice_id as buildops_invoice_id,
        bi.invoice_number as buildops_invoice_number,
        si.customer_code as spectrum_customer_code,
        coalesce(cx.customer_key, bi.billing_customer_id) as customer_key,
        bi.billing_customer_id as buildops_customer_id,
        coalesce(bi.job_number, si.job_number) as job_number,
        bi.job_id as buildops_job_id,
        bi.property_id,
        bi.service_agreement_id,
        coalesce(si.invoice_date, bi.issued_date) as invoice_date,
        coalesce(si.due_date, bi.due_date) as due_date,
        bi.buildops_status,
        case when si.invoice_number is null then 'not_posted' else si.spectrum_status end as spectrum_status,
        bi.total_amount as buildops_total,
        si.invoice_total as spectrum_total,
        coalesce(si.invoice_total, bi.total_amount) as total_amount,
        -- Revenue excludes sales tax: Spectrum's Invoice_Extension once posted, BuildOps' pre-tax total before.
        coalesce(si.invoice_extension, bi.total_amount - bi.tax_amount) as revenue_amount,
        case when si.invoice_number is null then coalesce(bc.applied_amount, 0) else si.cash_applied end as cash_applied,
        case when si.invoice_number is null then bi.total_amount - coalesce(bc.applied_amount, 0)
             else si.open_balance end as balance,
        coalesce(si.retention_balance, 0) as retainage_held,
        coalesce(si.retention_amount, 0) as retainage_billed,
        bi.total_amount - coalesce(bc.applied_amount, 0) as buildops_balance,
        si.last_payment_date,
        si.application_number,
        si.retention_percent,
        -- The Spectrum job: the AR header's, else the one job_crosswalk.csv resolves the BuildOps job to.
        coalesce(si.job_number, rj.spectrum_job_number) as spectrum_job_number
    from buildops_invoices as bi
    left join buildops_cash as bc on bc.invoice_id = bi.invoice_id
    left join departments as d on d.department_id = bi.department_id
    left join jobs as rj on rj.buildops_job_id = bi.job_id
    full outer join spectrum_invoices as si on si.invoice_number = bi.canonical_invoice_number
    left join customers as cx
        on cx.company_code = si.company_code and cx.customer_code = si.customer_code
),

routed as (
    select
        j.*,
        coalesce(jobs.billing_route, sr.billing_route) as billing_route
    from joined as j
    left join jobs on jobs.buildops_job_id = j.buildops_job_id
    left join spectrum_job_routes as sr
        on j.buildops_job_id is null and sr.company_code = j.company_code and sr.spectrum_job_number = j.job_number
),

final as (
    select
        j.*,
        case
            when j.retention_percent = 100 then 'retention'
            when j.application_number is not null then 'progress'
            when j.billing_route = 'spectrum_progress' then 'progress'
            when j.service_agreement_id is not null then 'agreement'
            else 'service'
        end as invoice_type,
        case when j.buildops_invoice_id is null then 'spectrum' else 'buildops' end as originated_in,
        -- BuildOps keeps its own copy of a progress bill whose real invoice is the Spectrum draw: the copy
        -- is never posted and is no receivable.
        coalesce(j.buildops_invoice_id is not null and j.spectrum_status = 'not_posted'
                 and j.billing_route = 'spectrum_progress', false) as is_billing_copy
    from routed as j
)

select * from final
