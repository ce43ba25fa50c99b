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

-- One row per Spectrum job BuildOps work posts to, through job_crosswalk.csv (int_jobs' spectrum_job_number,
-- never equal numbers): a one-to-one job carries its BuildOps job's customer; an umbrella job (many tickets on
-- one Spectrum job) carries none, since each AR invoice on it names its own.
spectrum_job_kinds as (
    select
        company_code,
        spectrum_job_number as job_number,
        max(case when is_umbrella_job then 1 else 0 end) = 1 as is_umbrella,
        max(case when {{ policy_is_progress_billed_type('job_type') }} then 1 else 0 end) = 1 as is_progress_billed,
        min(customer_key) as customer_key
    from {{ ref('dim_jobs') }}
    where spectrum_job_number is not null
    group by company_code, spectrum_job_number
),

one_to_one_jobs as (
    select w.*, k.customer_key
    from with_base as w
    inner join spectrum_job_kinds as k on k.company_code = w.company_code and k.job_number = w.job_number
    where w.has_activity and not k.is_progress_billed and not k.is_umbrella
),

-- An umbrella job's revenue per customer: its AR invoices in the window, each customer as int_customer_xref
-- ties the invoice's Customer_Code.
umbrella_revenue as (
    select i.company_code, i.job_number, x.customer_key, sum(i.invoice_extension) as revenue
    from {{ ref('stg_spectrum__ar_invoices') }} as i
    inner join spectrum_job_kinds as k
        on k.company_code = i.company_code and k.job_number = i.job_number and k.is_umbrella and not k.is_progress_billed
    inner join {{ ref('int_customer_xref') }} as x
        on x.company_code = i.company_code and x.customer_code = i.customer_code
    where i.transaction_type = 'I' and i.invoice_date between {{ window_start }} and {{ window_end }}
    group by i.company_code, i.job_number, x.customer_key
),

umbrella_totals as (
    select company_code, job_number, sum(revenue) as job_revenue
    from umbrella_revenue
    group by company_code, job_number
),

-- Each customer takes its revenue and the umbrella's cost in proportion to that revenue (shares rounded:
-- cents, hours to 4 places).
umbrella_shares as (
    select
        w.company_code,
        w.job_number,
        u.customer_key,
        u.revenue,
        cast(round(w.labor_hours * u.revenue / t.job_revenue, 4) as decimal(18, 4)) as labor_hours,
        cast(round(w.labor_cost * u.revenue / t.job_revenue, 2) as decimal(18, 2)) as labor_cost,
        cast(round(w.labor_burden * u.revenue / t.job_revenue, 2) as decimal(18, 2)) as labor_burden,
        cast(round(w.other_direct_cost * u.revenue / t.job_revenue, 2) as decimal(18, 2)) as other_direct_cost
    from with_base as w
    inner join umbrella_revenue as u on u.company_code = w.company_code and u.job_number = w.job_number
    inner join umbrella_totals as t on t.company_code = w.company_code and t.job_number = w.job_number
    where t.job_revenue <> 0
),

umbrella_parts as (
    select
        company_code,
        job_number,
        true as has_activity,
        revenue,
        labor_hours,
        labor_cost,
        labor_burden,
        other_direct_cost,
        labor_cost + labor_burden + other_direct_cost as direct_cost,
        {% if p.allocation_base == 'labor_hours' -%} labor_hours
        {%- elif p.allocation_base == 'revenue' -%} revenue
        {%- else -%} labor_cost + labor_burden + other_direct_cost
        {%- endif %} as allocation_base,
        customer_key
    from umbrella_shares
),

service_jobs as (
    select
        company_code, job_number, has_activity, revenue, labor_hours, labor_cost, labor_burden, other_direct_cost,
        direct_cost, allocation_base, customer_key
    from one_to_one_jobs
    union all
    select * from umbrella_parts
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
