-- Each BuildOps invoice line resolved through cost_code_mapping.csv exactly as destination-spectrum does
-- (destination_spectrum.mapping.CostCodeMapping.resolve): product_code, then line_item_type, then the job
-- type's default; company-specific rules before company-blank ones; a rule naming a job type only applies
-- to that job type. The job is the Spectrum job job_crosswalk.csv resolves it to (int_jobs), whose row may
-- name the phase. Then checked against that job's phase grid (Job x Phase_Code x Cost_Type) in Spectrum.
with items as (
    select * from {{ ref('stg_buildops__invoice_items') }}
),

invoices as (
    select * from {{ ref('stg_buildops__invoices') }} where not is_deleted and not is_draft_or_void
),

departments as (
    select * from {{ ref('stg_buildops__departments') }}
),

jobs as (
    select * from {{ ref('int_jobs') }}
),

rules as (
    select * from {{ ref('stg_mapping__cost_code_mapping') }}
),

lines as (
    select
        {{ dbt.concat(["i.invoice_id", "':'", "cast(row_number() over (partition by i.invoice_id order by i.sort_order, i.product_code, i.item_name) as " ~ dbt.type_string() ~ ")"]) }} as line_key,
        i.invoice_id,
        inv.canonical_invoice_number,
        inv.invoice_number,
        inv.issued_date,
        inv.job_id,
        j.job_number,
        j.spectrum_job_number,
        j.crosswalk_phase_code,
        j.billing_route,
        coalesce(j.is_progress_billed_type, false) as is_progress_billed_type,
        coalesce(j.company_code, d.company_code) as company_code,
        j.job_type,
        i.product_code,
        i.line_item_type,
        i.item_name,
        i.amount
    from items as i
    inner join invoices as inv on inv.invoice_id = i.invoice_id
    left join departments as d on d.department_id = inv.department_id
    left join jobs as j on j.buildops_job_id = inv.job_id
),

-- The keys a rule can match a line on, as the mapping stores them (upper case, blanks as '').
line_keys as (
    select
        line_key,
        upper(coalesce(company_code, '')) as company_key,
        upper(coalesce(job_type, '')) as job_type_key,
        upper(product_code) as product_key,
        upper(line_item_type) as line_item_type_key
    from lines
),

-- One equality join per match type, not one join on an OR of them: each line looks its rules up by key
-- instead of being compared with every rule (lines x rules). A rule applies to the line's company or to
-- all companies (''), and to the line's job type or to all job types ('').
candidates as (
    select l.line_key, r.phase_code, r.cost_type, r.match_type, 1 as match_rank, r.company_code, r.job_type
    from line_keys as l
    inner join rules as r on r.match_type = 'product_code' and r.match_value = l.product_key
    where r.company_code in (l.company_key, '') and r.job_type in (l.job_type_key, '')
    union all
    select l.line_key, r.phase_code, r.cost_type, r.match_type, 2 as match_rank, r.company_code, r.job_type
    from line_keys as l
    inner join rules as r on r.match_type = 'line_item_type' and r.match_value = l.line_item_type_key
    where r.company_code in (l.company_key, '') and r.job_type in (l.job_type_key, '')
    union all
    -- A job type's default names its job type.
    select l.line_key, r.phase_code, r.cost_type, r.match_type, 3 as match_rank, r.company_code, r.job_type
    from line_keys as l
    inner join rules as r on r.match_type = 'job_type_default' and r.job_type = l.job_type_key
    where r.company_code in (l.company_key, '') and r.job_type <> ''
),

resolved as (
    select * from (
        select
            *,
            row_number() over (
                partition by line_key
                order by match_rank, case when company_code = '' then 2 else 1 end, case when job_type = '' then 2 else 1 end
            ) as pick
        from candidates
    ) as ranked
    where pick = 1
),

grid as (
    select company_code, job_number, phase_code, cost_type from {{ ref('stg_spectrum__job_phases') }}
),

final as (
    select
        l.*,
        -- A job_crosswalk.csv row naming a phase sends every line of its jobs there (the cost type stays the
        -- mapping's), as destination-spectrum posts it.
        coalesce(l.crosswalk_phase_code, r.phase_code) as phase_code,
        r.cost_type,
        r.match_type as matched_by,
        case
            when r.line_key is null then 'unmapped'
            when l.spectrum_job_number is null then 'job_not_in_spectrum'
            when g.phase_code is null then 'phase_not_on_job'
            else 'mapped'
        end as mapping_status
    from lines as l
    left join resolved as r on r.line_key = l.line_key
    left join grid as g
        on g.company_code = l.company_code and g.job_number = l.spectrum_job_number
        and g.phase_code = coalesce(l.crosswalk_phase_code, r.phase_code) and g.cost_type = r.cost_type
)

select * from final
