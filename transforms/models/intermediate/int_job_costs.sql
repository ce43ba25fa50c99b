-- Job cost to date per job at the close (the last day of var('close_period')) from the ledger of record:
-- labor and its burden from Spectrum payroll (PR time cards, by the day worked), everything else from job cost
-- history by the cost type's category. Labor-category job cost rows are payroll's own postings, so they are
-- not counted twice. Cost dated after the period end belongs to a later close.
with time_cards as (
    select
        company_code, job_number,
        sum(pay_extension) as labor_cost,
        sum(burden_amount) as burden_cost,
        sum(hours) as payroll_hours
    from {{ ref('stg_spectrum__payroll_time_cards') }}
    where job_number is not null and work_date <= {{ close_period_end() }}
    group by company_code, job_number
),

cost_types as (
    select * from {{ ref('stg_spectrum__cost_types') }}
),

other_costs as (
    select
        t.company_code, t.job_number,
        sum(case when ct.cost_category = 'M' then t.tran_amount else 0 end) as material_cost,
        sum(case when ct.cost_category = 'S' then t.tran_amount else 0 end) as subcontract_cost,
        sum(case when ct.cost_category = 'E' then t.tran_amount else 0 end) as equipment_cost,
        sum(case when ct.cost_category not in ('L', 'M', 'S', 'E') or ct.cost_category is null
                 then t.tran_amount else 0 end) as other_cost
    from {{ ref('stg_spectrum__job_cost_transactions') }} as t
    left join cost_types as ct on ct.company_code = t.company_code and ct.cost_type = t.cost_type
    where t.tran_date <= {{ close_period_end() }}
    group by t.company_code, t.job_number
),

jobs as (
    select company_code, job_number from {{ ref('stg_spectrum__jobs') }}
),

final as (
    select
        j.company_code,
        j.job_number,
        coalesce(tc.labor_cost, 0) as labor_cost,
        coalesce(tc.burden_cost, 0) as burden_cost,
        coalesce(tc.payroll_hours, 0) as payroll_hours,
        coalesce(oc.material_cost, 0) as material_cost,
        coalesce(oc.subcontract_cost, 0) as subcontract_cost,
        coalesce(oc.equipment_cost, 0) as equipment_cost,
        coalesce(oc.other_cost, 0) as other_cost
    from jobs as j
    left join time_cards as tc on tc.company_code = j.company_code and tc.job_number = j.job_number
    left join other_costs as oc on oc.company_code = j.company_code and oc.job_number = j.job_number
)

select * from final
