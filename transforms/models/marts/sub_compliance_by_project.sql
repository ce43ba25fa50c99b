-- CFO: which projects have subcontractors working without current paperwork? Every subcontractor
-- assignment (subcontract PO in BuildOps on a job Spectrum knows) with its COI, W-9 and lien-waiver
-- status on the PO date, by the policy's compliance rules, and the money assigned.
with assignments as (
    select * from {{ ref('int_sub_assignments') }}
),

jobs as (
    select buildops_job_id, job_type, billing_route, customer_key from {{ ref('dim_jobs') }}
),

final as (
    select
        a.company_code,
        a.job_number,
        j.job_type,
        j.billing_route,
        j.customer_key,
        a.vendor_code,
        a.vendor_name,
        a.po_number,
        a.buildops_purchase_order_id,
        a.ordered_date,
        a.po_amount,
        a.coi_expiration,
        a.coi_lapsed,
        a.w9_lapsed,
        a.lien_waiver_lapsed,
        not (a.coi_lapsed or a.w9_lapsed or a.lien_waiver_lapsed) as is_compliant,
        case when a.coi_lapsed or a.w9_lapsed or a.lien_waiver_lapsed then a.po_amount else 0 end as amount_at_risk
    from assignments as a
    left join jobs as j on j.buildops_job_id = a.buildops_job_id
)

select * from final
