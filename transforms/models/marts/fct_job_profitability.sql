-- Job profitability at the close (definition: fct_job_profitability.yml). Revenue is Spectrum's billings
-- (the ledger of record) dated by the period end; BuildOps invoices Spectrum does not hold are shown apart and
-- a BuildOps copy of an AIA draw is in neither. BuildOps work reaches its Spectrum job through int_jobs (the
-- job crosswalk), never by an equal job number: project numbers differ between the systems and service
-- tickets post to umbrella jobs.
with spectrum_jobs as (
    select company_code, job_number, customer_code, job_type from {{ ref('stg_spectrum__jobs') }}
),

crosswalked as (
    select buildops_job_id, company_code, spectrum_job_number, billing_route
    from {{ ref('int_jobs') }}
    where buildops_job_id is not null and spectrum_job_number is not null
),

-- One route per Spectrum job: every ticket on an umbrella job shares it (as fct_invoices reads it).
job_links as (
    select
        company_code,
        spectrum_job_number as job_number,
        count(*) as buildops_job_count,
        case when count(*) = 1 then min(buildops_job_id) end as buildops_job_id,
        min(billing_route) as billing_route
    from crosswalked
    group by company_code, spectrum_job_number
),

spectrum_invoices as (
    select company_code, customer_code, job_number, invoice_number, invoice_extension
    from {{ ref('stg_spectrum__ar_invoices') }}
    where transaction_type = 'I' and job_number is not null and invoice_date <= {{ close_period_end() }}
),

cash as (
    select company_code, customer_code, invoice_number, sum(payment_amount) as cash_collected
    from {{ ref('stg_spectrum__ar_payments') }}
    where transaction_date <= {{ close_period_end() }}
    group by company_code, customer_code, invoice_number
),

billed as (
    select
        i.company_code,
        i.job_number,
        count(*) as spectrum_invoice_count,
        sum(i.invoice_extension) as revenue,
        sum(coalesce(c.cash_collected, 0)) as cash_collected
    from spectrum_invoices as i
    left join cash as c
        on c.company_code = i.company_code and c.customer_code = i.customer_code
        and c.invoice_number = i.invoice_number
    group by i.company_code, i.job_number
),

-- Issued by the period end, not in Spectrum, and no copy of an AIA draw; pre-tax, as revenue would be.
not_in_spectrum as (
    select
        x.company_code,
        x.spectrum_job_number as job_number,
        count(*) as buildops_not_in_spectrum_count,
        sum(f.revenue_amount) as buildops_not_in_spectrum
    from {{ ref('fct_invoices') }} as f
    inner join crosswalked as x on x.buildops_job_id = f.buildops_job_id
    where f.buildops_invoice_id is not null
      and f.spectrum_status = 'not_posted'
      and not f.is_billing_copy
      and f.invoice_date <= {{ close_period_end() }}
    group by x.company_code, x.spectrum_job_number
),

costs as (
    select * from {{ ref('int_job_costs') }}
),

customers as (
    select company_code, customer_code, customer_key from {{ ref('int_customer_xref') }}
),

combined as (
    select
        j.company_code,
        j.job_number,
        l.buildops_job_id,
        coalesce(l.buildops_job_count, 0) as buildops_job_count,
        coalesce(cu.customer_key, {{ dbt.concat(["'spectrum:'", 'j.company_code', "':'", 'j.customer_code']) }}) as customer_key,
        j.job_type,
        coalesce(l.billing_route, 'spectrum_progress') as billing_route,
        coalesce(b.spectrum_invoice_count, 0) as spectrum_invoice_count,
        cast(coalesce(b.revenue, 0) as decimal(18, 2)) as revenue,
        cast(coalesce(n.buildops_not_in_spectrum, 0) as decimal(18, 2)) as buildops_not_in_spectrum,
        coalesce(n.buildops_not_in_spectrum_count, 0) as buildops_not_in_spectrum_count,
        cast(coalesce(b.cash_collected, 0) as decimal(18, 2)) as cash_collected,
        coalesce(c.labor_cost, 0) as labor_cost,
        coalesce(c.burden_cost, 0) as burden_cost,
        coalesce(c.labor_cost, 0) + coalesce(c.burden_cost, 0) as burdened_labor_cost,
        coalesce(c.material_cost, 0) as material_cost,
        coalesce(c.subcontract_cost, 0) as subcontract_cost,
        coalesce(c.equipment_cost, 0) as equipment_cost,
        coalesce(c.other_cost, 0) as other_cost
    from spectrum_jobs as j
    left join job_links as l on l.company_code = j.company_code and l.job_number = j.job_number
    left join billed as b on b.company_code = j.company_code and b.job_number = j.job_number
    left join not_in_spectrum as n on n.company_code = j.company_code and n.job_number = j.job_number
    left join costs as c on c.company_code = j.company_code and c.job_number = j.job_number
    left join customers as cu on cu.company_code = j.company_code and cu.customer_code = j.customer_code
),

direct as (
    select
        *,
        cast(burdened_labor_cost + material_cost + subcontract_cost + equipment_cost + other_cost as decimal(18, 2))
            as direct_cost
    from combined
),

final as (
    select
        cast('{{ var("close_period") | string | trim }}' as {{ dbt.type_string() }}) as close_period,
        {{ close_period_end() }} as as_of_date,
        *,
        cast(direct_cost * {{ var('overhead_rate') }} as decimal(18, 2)) as overhead_cost,
        cast(revenue - direct_cost - cast(direct_cost * {{ var('overhead_rate') }} as decimal(18, 2))
             as decimal(18, 2)) as net_margin,
        cast({{ var('overhead_rate') }} as decimal(9, 4)) as overhead_rate
    from direct
)

select * from final
