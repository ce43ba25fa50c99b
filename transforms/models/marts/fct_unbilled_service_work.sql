-- Unbilled service and T&M work at the close (definition: fct_unbilled_service_work.yml): completed visits by
-- the period end that no invoice on the job dated between the visit and the period end covers, costed at
-- Spectrum pay rates plus burden and priced at the labor rate the job has billed so far.
with jobs as (
    select buildops_job_id, buildops_job_number, company_code, spectrum_job_number, work_kind
    from {{ ref('int_jobs') }}
    where buildops_job_id is not null and work_kind in ('service', 'agreement')
),

visits as (
    select visit_id, job_id, scheduled_date
    from {{ ref('stg_buildops__visits') }}
    where not is_deleted and job_id is not null and scheduled_date <= {{ close_period_end() }}
      and lower(coalesce(visit_status, '')) in ('completed', 'complete')
),

-- Billing started on a job (drafts too; voids and deletions undo it), by the period end.
invoices as (
    select invoice_id, job_id, issued_date
    from {{ ref('stg_buildops__invoices') }}
    where not is_deleted and job_id is not null and issued_date <= {{ close_period_end() }}
      and lower(coalesce(buildops_status, '')) not in ('void', 'voided')
),

unbilled_visits as (
    select v.*
    from visits as v
    where not exists (
        select 1 from invoices as i where i.job_id = v.job_id and i.issued_date >= v.scheduled_date
    )
),

visit_labor as (
    select
        uv.job_id,
        uv.visit_id,
        uv.scheduled_date,
        ts.hours,
        ts.hours * coalesce(se.pay_rate, 0) * (1 + coalesce(se.burden_rate, 0)) as labor_cost
    from unbilled_visits as uv
    inner join jobs as j on j.buildops_job_id = uv.job_id
    left join {{ ref('stg_buildops__timesheets') }} as ts on ts.visit_id = uv.visit_id and not ts.is_deleted
    left join {{ ref('stg_buildops__employees') }} as e on e.employee_id = ts.employee_id
    left join {{ ref('stg_spectrum__employees') }} as se
        on se.company_code = j.company_code and se.employee_code = e.employee_number
),

by_job as (
    select
        job_id,
        count(distinct visit_id) as unbilled_visit_count,
        min(scheduled_date) as first_unbilled_visit_date,
        coalesce(sum(hours), 0) as unbilled_hours,
        cast(round(coalesce(sum(labor_cost), 0), 2) as decimal(18, 2)) as unbilled_cost
    from visit_labor
    group by job_id
),

-- The labor rate the job has billed: labor lines on its live invoices (any date), amount over hours.
billed_labor as (
    select i.job_id, sum(li.amount) as labor_billed, sum(li.quantity) as labor_hours_billed
    from {{ ref('stg_buildops__invoice_items') }} as li
    inner join {{ ref('stg_buildops__invoices') }} as i on i.invoice_id = li.invoice_id
    where not i.is_deleted and lower(coalesce(i.buildops_status, '')) not in ('void', 'voided')
      and lower(coalesce(li.line_item_type, '')) like 'labor%'
    group by i.job_id
    having sum(li.quantity) > 0
),

final as (
    select
        cast('{{ var("close_period") | string | trim }}' as {{ dbt.type_string() }}) as close_period,
        {{ close_period_end() }} as as_of_date,
        j.company_code,
        j.spectrum_job_number,
        j.buildops_job_id,
        j.buildops_job_number,
        j.work_kind,
        b.unbilled_visit_count,
        b.first_unbilled_visit_date,
        {{ days_between('b.first_unbilled_visit_date', close_period_end()) }} as days_unbilled,
        b.unbilled_hours,
        b.unbilled_cost,
        cast(round(bl.labor_billed / bl.labor_hours_billed, 4) as decimal(18, 4)) as billed_labor_rate,
        cast(round(b.unbilled_hours * bl.labor_billed / bl.labor_hours_billed, 2) as decimal(18, 2)) as unbilled_price,
        case when bl.job_id is null then 'no labor billed on the job yet - price unknown'
             else 'job''s billed labor rate' end as price_basis
    from by_job as b
    inner join jobs as j on j.buildops_job_id = b.job_id
    left join billed_labor as bl on bl.job_id = b.job_id
)

select * from final
