-- Every job from either system, a BuildOps job tied to its Spectrum job through job_crosswalk.csv
-- (int_job_crosswalk: one-to-one rows, then pattern rules to umbrella jobs; never equal numbers), with its
-- billing route decided by the rules
-- destination-spectrum applies when posting (destination_spectrum.policy.Policy.route) plus what the
-- ledger shows happened:
--   ambiguous when the job has no job type; when Spectrum has AIA draws on a job type policy does not
--   progress-bill (a service ticket that became project scope); or when a BuildOps invoice on a
--   progress-billed job was also posted to Spectrum AR (billed from both sides).
with buildops_jobs as (
    select * from {{ ref('stg_buildops__jobs') }} where not is_deleted
),

crosswalk as (
    select * from {{ ref('int_job_crosswalk') }}
),

job_types as (
    select * from {{ ref('stg_buildops__job_types') }}
),

spectrum_jobs as (
    select * from {{ ref('stg_spectrum__jobs') }}
),

buildops_invoices as (
    select * from {{ ref('stg_buildops__invoices') }} where not is_deleted and job_id is not null
),

spectrum_invoices as (
    select * from {{ ref('int_ar_invoices') }} where transaction_type = 'I'
),

-- Spectrum's own evidence of AIA billing: draw applications on the job.
draws as (
    select company_code, job_number, count(*) as draw_count, sum(amount_due) as drawn_amount
    from {{ ref('stg_spectrum__progress_billings') }}
    group by company_code, job_number
),

buildops_billing as (
    select
        bi.job_id,
        sum(case when not bi.is_draft_or_void then 1 else 0 end) as buildops_invoice_count,
        sum(case when not bi.is_draft_or_void then bi.total_amount else 0 end) as buildops_invoiced,
        -- Drafts count as started billing; only voids and deletions undo it.
        sum(case when lower(coalesce(bi.buildops_status, '')) not in ('void', 'voided') then 1 else 0 end)
            as buildops_live_invoice_count,
        sum(case when not bi.is_draft_or_void and si.invoice_number is not null then 1 else 0 end)
            as buildops_invoices_in_spectrum_ar,
        sum(case when not bi.is_draft_or_void and si.invoice_number is not null then bi.total_amount else 0 end)
            as buildops_invoiced_in_spectrum_ar
    from buildops_invoices as bi
    left join spectrum_invoices as si
        on si.invoice_number = bi.canonical_invoice_number and si.application_number is null
    group by bi.job_id
),

spectrum_billing as (
    select company_code, job_number, count(*) as spectrum_invoice_count
    from spectrum_invoices
    where job_number is not null
    group by company_code, job_number
),

job_cost as (
    select company_code, job_number, sum(tran_amount) as job_cost_to_date
    from {{ ref('stg_spectrum__job_cost_transactions') }}
    group by company_code, job_number
),

joined as (
    select
        coalesce(bj.job_number, sj.job_number) as job_number,
        bj.job_id as buildops_job_id,
        bj.job_number as buildops_job_number,
        sj.company_code,
        sj.job_number as spectrum_job_number,
        x.company_code as crosswalk_company_code,
        x.spectrum_job_number as crosswalk_job_number,
        x.phase_code as crosswalk_phase_code,
        x.matched_by as crosswalk_matched_by,
        -- An umbrella job: reached through a pattern rule, or by more than one BuildOps job. Its Spectrum
        -- figures (draws, AR invoices, job cost) are the umbrella's, shared by every ticket on it.
        coalesce(x.is_pattern_match, false)
            or (sj.job_number is not null and count(bj.job_id) over (partition by sj.company_code, sj.job_number) > 1)
            as is_umbrella_job,
        coalesce(bj.job_type_name, jt.job_type_name) as job_type,
        bj.job_status as buildops_status,
        sj.status_code as spectrum_status,
        sj.job_description,
        bj.customer_id as buildops_customer_id,
        bj.billing_customer_id as buildops_billing_customer_id,
        bj.property_id,
        bj.service_agreement_id,
        -- An umbrella job's Spectrum customer is not the ticket's (each AR invoice names its own).
        case when not coalesce(x.is_pattern_match, false) then sj.customer_code end as spectrum_customer_code,
        sj.original_contract,
        bj.completed_date,
        coalesce(bj.created_date, sj.create_date) as created_date,
        coalesce(d.draw_count, 0) as spectrum_draw_count,
        coalesce(d.drawn_amount, 0) as spectrum_drawn_amount,
        coalesce(bb.buildops_invoice_count, 0) as buildops_invoice_count,
        coalesce(bb.buildops_invoiced, 0) as buildops_invoiced,
        coalesce(bb.buildops_live_invoice_count, 0) as buildops_live_invoice_count,
        coalesce(bb.buildops_invoices_in_spectrum_ar, 0) as buildops_invoices_in_spectrum_ar,
        coalesce(bb.buildops_invoiced_in_spectrum_ar, 0) as buildops_invoiced_in_spectrum_ar,
        coalesce(sb.spectrum_invoice_count, 0) as spectrum_invoice_count,
        coalesce(jc.job_cost_to_date, 0) as job_cost_to_date
    from buildops_jobs as bj
    left join job_types as jt on jt.job_type_id = bj.job_type_id
    left join crosswalk as x on x.buildops_job_id = bj.job_id
    full outer join spectrum_jobs as sj on sj.company_code = x.company_code and sj.job_number = x.spectrum_job_number
    left join draws as d on d.company_code = sj.company_code and d.job_number = sj.job_number
    left join buildops_billing as bb on bb.job_id = bj.job_id
    left join spectrum_billing as sb on sb.company_code = sj.company_code and sb.job_number = sj.job_number
    left join job_cost as jc on jc.company_code = sj.company_code and jc.job_number = sj.job_number
),

routed as (
    select
        *,
        {{ policy_route_override('job_type') }} as policy_override,
        {{ policy_is_progress_billed_type('job_type') }} as is_progress_billed_type
    from joined
),

final as (
    select
        *,
        case
            when buildops_job_id is null then 'spectrum_progress'
            when job_type is null then 'ambiguous'
            when policy_override = 'post' then 'buildops_service'
            when policy_override = 'hold' then 'spectrum_progress'
            when is_progress_billed_type and buildops_invoices_in_spectrum_ar > 0 then 'ambiguous'
            when is_progress_billed_type then 'spectrum_progress'
            when spectrum_draw_count > 0 then 'ambiguous'
            else 'buildops_service'
        end as billing_route,
        case
            when buildops_job_id is null then 'job exists only in Spectrum'
            when job_type is null then 'job has no job type in BuildOps'
            when policy_override is not null then 'policy override: ' || policy_override
            when is_progress_billed_type and buildops_invoices_in_spectrum_ar > 0
                then 'billed from both sides: progress-billed in Spectrum, yet BuildOps invoices were posted to Spectrum AR'
            when is_progress_billed_type then 'job type is progress billed (AIA) in policy'
            when spectrum_draw_count > 0
                then 'service job with AIA draws in Spectrum: the ticket became project scope'
            else 'service job billed from BuildOps'
        end as route_reason,
        case
            when buildops_job_id is null then 'spectrum_only'
            when crosswalk_job_number is null then 'no_crosswalk_row'
            when spectrum_job_number is null then 'not_in_spectrum'
            when is_umbrella_job then 'umbrella'
            else 'one_to_one'
        end as job_resolution,
        case
            when buildops_job_id is null or job_type is null then null
            when is_progress_billed_type then 'project'
            when service_agreement_id is not null then 'agreement'
            else 'service'
        end as work_kind
    from routed
)

select * from final
