-- CFO Q1: which customers of the policy's segment (commercial by default) make money on service work after labor
-- burden and overhead, over the months ending with the close period. Everything from Spectrum, the ledger of
-- record. Definition: customer_profitability.yml.
{%- set p = cfo_policy() %}
{%- set window_start = "cast(" ~ dbt.dateadd('month', 1 - p.profitability_months, close_period_start()) ~ " as date)" %}
{%- set window_end = close_period_end() %}

with spectrum_jobs as (
    select company_code, job_number from {{ ref('stg_spectrum__jobs') }}
),

revenue as (
    select company_code, job_number, sum(invoice_extension) as revenue
    from {{ ref('stg_spectrum__ar_invoices') }}
    where transaction_type = 'I' and job_number is not null
        and invoice_date between {{ window_start }} and {{ window_end }}
    group by company_code, job_number
),

-- Labor and its burden as payroll paid them (a time card counts on a job of the employee's own company).
payroll as (
    select
        company_code,
        job_number,
        sum(hours) as labor_hours,
        sum(pay_extension) as labor_cost,
        sum(burden_amount) as labor_burden
    from {{ ref('stg_spectrum__payroll_time_cards') }}
    where job_number is not null and work_date between {{ window_start }} and {{ window_end }}
    group by company_code, job_number
),

-- Every other job cost; payroll's own job cost lines (PR) are the time cards above.
other_cost as (
    select company_code, job_number, sum(tran_amount) as other_direct_cost
    from {{ ref('stg_spectrum__job_cost_transactions') }}
    where tran_type_code <> 'PR' and tran_date between {{ window_start }} and {{ window_end }}
    group by company_code, job_number
),

by_job as (
    select
        j.company_code,
        j.job_number,
        r.job_number is not null or pr.job_number is not null or oc.job_number is not null as has_activity,
        coalesce(r.revenue, 0) as revenue,
        coalesce(pr.labor_hours, 0) as labor_hours,
        coalesce(pr.labor_cost, 0) as labor_cost,
        coalesce(pr.labor_burden, 0) as labor_burden,
        coalesce(oc.other_direct_cost, 0) as other_direct_cost
    from spectrum_jobs as j
    left join revenue as r on r.company_code = j.company_code and r.job_number = j.job_number
    left join payroll as pr on pr.company_code = j.company_code and pr.job_number = j.job_number
    left join other_cost as oc on oc.company_code = j.company_code and oc.job_number = j.job_number
),

with_base as (
    select
        *,
        labor_cost + labor_burden + other_direct_cost as direct_cost,
        {% if p.allocation_base == 'labor_hours' -%} labor_hours
        {%- elif p.allocation_base == 'revenue' -%} revenue
        {%- else -%} labor_cost + labor_burden + other_direct_cost
        {%- endif %} as allocation_base
    from by_job
),

-- The base over every job of the company (service and projects, every segment): overhead is spread over all
-- the work that consumed it.
company_base as (
    select company_code, sum(allocation_base) as base_total
    from with_base
    group by company_code
),

overhead_pool as (
    select company_code, sum(amount) as overhead_pool
    from {{ ref('stg_spectrum__gl_detail') }}
    where gl_account in {{ sql_list(p.overhead_accounts) }}
        and tran_date between {{ window_start }} and {{ window_end }}
    group by company_code
),

service_jobs as (
    select w.*, d.customer_key
    from with_base as w
    inner join {{ ref('dim_jobs') }} as d on d.company_code = w.company_code and d.job_number = w.job_number
    where w.has_activity and not {{ policy_is_progress_billed_type('d.job_type') }}
),

by_customer as (
    select
        s.company_code,
        s.customer_key,
        count(*) as job_count,
        sum(s.revenue) as revenue,
        sum(s.labor_hours) as labor_hours,
        sum(s.labor_cost) as labor_cost,
        sum(s.labor_burden) as labor_burden,
        sum(s.other_direct_cost) as other_direct_cost,
        sum(s.direct_cost) as direct_cost,
        sum(s.allocation_base) as allocation_base
    from service_jobs as s
    inner join {{ ref('dim_customers') }} as c on c.customer_key = s.customer_key
    where c.segment = '{{ p.profitability_segment }}'
    group by s.company_code, s.customer_key
),

allocated as (
    select
        b.*,
        cast(coalesce(round(o.overhead_pool * b.allocation_base / nullif(cb.base_total, 0), 2), 0) as decimal(18, 2))
            as overhead_allocated
    from by_customer as b
    inner join company_base as cb on cb.company_code = b.company_code
    left join overhead_pool as o on o.company_code = b.company_code
),

final as (
    select
        '{{ var("close_period") }}' as close_period,
        {{ window_start }} as window_start,
        {{ window_end }} as window_end,
        a.company_code,
        a.customer_key,
        c.customer_name,
        c.customer_type,
        c.segment,
        a.job_count,
        cast(a.revenue as decimal(18, 2)) as revenue,
        cast(a.labor_hours as decimal(18, 4)) as labor_hours,
        cast(a.labor_cost as decimal(18, 2)) as labor_cost,
        cast(a.labor_burden as decimal(18, 2)) as labor_burden,
        cast(a.other_direct_cost as decimal(18, 2)) as other_direct_cost,
        cast(a.direct_cost as decimal(18, 2)) as direct_cost,
        cast(a.revenue - a.direct_cost as decimal(18, 2)) as gross_profit,
        '{{ p.allocation_base }}' as allocation_base,
        a.overhead_allocated,
        cast(a.revenue - a.direct_cost - a.overhead_allocated as decimal(18, 2)) as profit_after_overhead,
        case when a.revenue <> 0
            then cast(round((a.revenue - a.direct_cost - a.overhead_allocated) / a.revenue, 4) as decimal(9, 4))
        end as margin_pct
    from allocated as a
    inner join {{ ref('dim_customers') }} as c on c.customer_key = a.customer_key
)

select * from final
