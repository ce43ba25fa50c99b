-- CFO Q4, per project: where it came from, by explicit lineage (a service job's quote, else a recommending
-- visit on the same property within the policy window, else de novo), and its margin to date at the close.
-- Definition: fct_project_origins.yml.
{%- set p = cfo_policy() %}

-- A project is named by its Spectrum job (job_crosswalk.csv: projects carry different numbers in each system);
-- Spectrum's revenue and cost join on that number, BuildOps' lineage on the BuildOps job id.
with projects as (
    select
        company_code, spectrum_job_number as job_number, job_number as buildops_job_number, buildops_job_id,
        customer_key, property_id, created_date, job_type
    from {{ ref('dim_jobs') }}
    where company_code is not null and spectrum_job_number is not null
        and {{ policy_is_progress_billed_type('job_type') }}
        and created_date <= {{ close_period_end() }}
),

buildops_jobs as (
    select job_id, job_number, job_type_name, quote_id
    from {{ ref('stg_buildops__jobs') }}
    where not is_deleted
),

quotes as (
    select quote_id, quote_number, job_id from {{ ref('stg_buildops__quotes') }} where not is_deleted
),

-- (a) the project's quote was raised on a service job.
from_quote as (
    select
        pr.company_code,
        pr.job_number,
        q.quote_number as source_quote_number,
        sj.job_number as source_job_number
    from projects as pr
    inner join buildops_jobs as pj on pj.job_id = pr.buildops_job_id
    inner join quotes as q on q.quote_id = pj.quote_id
    inner join buildops_jobs as sj on sj.job_id = q.job_id
    where not {{ policy_is_progress_billed_type('sj.job_type_name') }}
),

-- (b) a visit to the same property, on a service job, recommended work at most window_days before.
recommending_visits as (
    select
        pr.company_code,
        pr.job_number,
        v.visit_id,
        v.scheduled_date,
        vj.job_number as source_job_number,
        row_number() over (
            partition by pr.company_code, pr.job_number order by v.scheduled_date desc, v.visit_id
        ) as recency
    from projects as pr
    inner join {{ ref('stg_buildops__visits') }} as v
        on v.property_id = pr.property_id and v.recommendation is not null and not v.is_deleted
    inner join buildops_jobs as vj on vj.job_id = v.job_id
    where not {{ policy_is_progress_billed_type('vj.job_type_name') }}
        and {{ days_between('v.scheduled_date', 'pr.created_date') }} between 0 and {{ p.conversion_window_days }}
),

revenue as (
    select company_code, job_number, sum(invoice_extension) as revenue
    from {{ ref('stg_spectrum__ar_invoices') }}
    where transaction_type = 'I' and invoice_date <= {{ close_period_end() }}
    group by company_code, job_number
),

costs as (
    select company_code, job_number, sum(tran_amount) as cost
    from {{ ref('stg_spectrum__job_cost_transactions') }}
    where tran_date <= {{ close_period_end() }}
    group by company_code, job_number
),

final as (
    select
        '{{ var("close_period") }}' as close_period,
        pr.company_code,
        pr.job_number,
        pr.buildops_job_number,
        pr.buildops_job_id,
        pr.customer_key,
        pr.property_id,
        pr.created_date,
        case
            when fq.job_number is not null then 'converted_from_quote'
            when rv.job_number is not null then 'converted_after_visit'
            else 'de_novo'
        end as project_origin,
        fq.source_quote_number,
        coalesce(fq.source_job_number, rv.source_job_number) as source_job_number,
        case when fq.job_number is null then rv.visit_id end as recommending_visit_id,
        case when fq.job_number is null then rv.scheduled_date end as recommended_on,
        cast(coalesce(r.revenue, 0) as decimal(18, 2)) as revenue,
        cast(coalesce(c.cost, 0) as decimal(18, 2)) as cost,
        cast(coalesce(r.revenue, 0) - coalesce(c.cost, 0) as decimal(18, 2)) as margin
    from projects as pr
    left join from_quote as fq on fq.company_code = pr.company_code and fq.job_number = pr.job_number
    left join recommending_visits as rv
        on rv.company_code = pr.company_code and rv.job_number = pr.job_number and rv.recency = 1
    left join revenue as r on r.company_code = pr.company_code and r.job_number = pr.job_number
    left join costs as c on c.company_code = pr.company_code and c.job_number = pr.job_number
)

select * from final
