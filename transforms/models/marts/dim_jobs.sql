-- Every job with its billing route: buildops_service (BuildOps invoices post to Spectrum),
-- spectrum_progress (AIA draws in Spectrum are the bill) or ambiguous (policy and evidence disagree,
-- or the job is billed from both sides).
with jobs as (
    select * from {{ ref('int_jobs') }}
),

xref as (
    select * from {{ ref('int_customer_xref') }}
),

final as (
    select
        jobs.job_number,
        jobs.buildops_job_id,
        jobs.company_code,
        -- The Spectrum job the BuildOps job posts to (job_crosswalk.csv; an umbrella job is shared by many
        -- tickets): join Spectrum tables on this, never on job_number.
        jobs.spectrum_job_number,
        jobs.is_umbrella_job,
        jobs.job_type,
        jobs.buildops_status,
        jobs.spectrum_status,
        jobs.job_description,
        coalesce(jobs.buildops_billing_customer_id, xref.customer_key) as customer_key,
        jobs.property_id,
        jobs.service_agreement_id,
        jobs.original_contract,
        jobs.created_date,
        jobs.completed_date,
        jobs.billing_route,
        jobs.route_reason,
        jobs.spectrum_draw_count,
        jobs.spectrum_drawn_amount,
        jobs.buildops_invoice_count,
        jobs.buildops_invoiced
    from jobs
    left join xref
        on xref.company_code = jobs.company_code and xref.customer_code = jobs.spectrum_customer_code
)

select * from final
