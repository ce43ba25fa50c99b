-- Every subcontractor assignment in BuildOps (a live subcontract purchase order on a job Spectrum knows)
-- checked against the vendor's compliance documents in Spectrum on the PO date, by the policy's rules
-- (the same ones destination-spectrum's compliance gate applies):
--   COI: the INS_EXPIRE item (else the vendor's Insurance_Exp_Date) expired more than the grace days before;
--   W-9: no W9 tracking item, or no tax id on the vendor;
--   lien waiver: no LR (lien release) item for the vendor and this subcontract (PO) number.
{%- set p = tieout_policy() %}

with purchase_orders as (
    select * from {{ ref('stg_buildops__purchase_orders') }}
    where not is_deleted and lower(coalesce(po_status, '')) <> 'void'
),

buildops_vendors as (
    select * from {{ ref('stg_buildops__vendors') }}
),

jobs as (
    select * from {{ ref('int_jobs') }} where spectrum_job_number is not null
),

spectrum_vendors as (
    select * from {{ ref('stg_spectrum__vendors') }}
),

documents as (
    select * from {{ ref('stg_spectrum__vendor_documents') }}
),

coi as (
    select company_code, vendor_code, max(expiration_date) as coi_expiration
    from documents where tracking_item_code = 'INS_EXPIRE'
    group by company_code, vendor_code
),

w9 as (
    select distinct company_code, vendor_code from documents where tracking_item_code = 'W9'
),

lien_releases as (
    select distinct company_code, vendor_code, subcontract_number from documents where tracking_item_code = 'LR'
),

assignments as (
    select
        j.company_code,
        j.spectrum_job_number as job_number,
        j.buildops_job_id,
        po.purchase_order_id as buildops_purchase_order_id,
        po.po_number,
        po.vendor_id as buildops_vendor_id,
        bv.vendor_name,
        sv.vendor_code,
        po.ordered_date,
        po.total_cost + po.freight as po_amount,
        coalesce(c.coi_expiration, sv.insurance_exp_date) as coi_expiration,
        w9.vendor_code is not null and sv.fed_id_number is not null as has_w9,
        lr.vendor_code is not null as has_lien_release
    from purchase_orders as po
    inner join jobs as j on j.buildops_job_id = po.job_id
    inner join buildops_vendors as bv on bv.vendor_id = po.vendor_id
    inner join spectrum_vendors as sv
        on sv.company_code = j.company_code and sv.vendor_code = upper(bv.vendor_number)
    left join coi as c on c.company_code = sv.company_code and c.vendor_code = sv.vendor_code
    left join w9 on w9.company_code = sv.company_code and w9.vendor_code = sv.vendor_code
    left join lien_releases as lr
        on lr.company_code = sv.company_code and lr.vendor_code = sv.vendor_code and lr.subcontract_number = po.po_number
    where upper(coalesce(sv.vendor_type, '')) = 'SUB'
),

final as (
    select
        *,
        {{ 'true' if p.require_coi else 'false' }} and (coi_expiration is null
            or cast({{ dbt.dateadd('day', p.coi_grace_days, 'coi_expiration') }} as date) < ordered_date) as coi_lapsed,
        -- The first day the COI counted as lapsed (expiry plus the grace days), when it did.
        case when {{ 'true' if p.require_coi else 'false' }} and coi_expiration is not null
                  and cast({{ dbt.dateadd('day', p.coi_grace_days, 'coi_expiration') }} as date) < ordered_date
             then cast({{ dbt.dateadd('day', (p.coi_grace_days | int) + 1, 'coi_expiration') }} as date)
        end as coi_lapsed_on,
        {{ 'true' if p.require_w9 else 'false' }} and not has_w9 as w9_lapsed,
        {{ 'true' if p.require_lien_waiver else 'false' }} and not has_lien_release as lien_waiver_lapsed
    from assignments
)

select * from final
