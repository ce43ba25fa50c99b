-- Retainage receivable at the close per company, customer and job (definition: fct_retainage_receivable.yml):
-- fct_ar_aging's retainage held, apart from trade AR, never aged, with the job's expected release.
with held as (
    select
        company_code,
        spectrum_customer_code,
        min(customer_key) as customer_key,
        job_number,
        count(*) as invoice_count,
        sum(retainage_billed) as retainage_billed,
        sum(retainage_collected) as retainage_collected,
        sum(retainage_held) as retainage_held,
        min(invoice_date) as first_invoice_date
    from {{ ref('fct_ar_aging') }}
    where retainage_held <> 0
    group by company_code, spectrum_customer_code, job_number
),

jobs as (
    select company_code, job_number, status_code, complete_date, est_complete_date
    from {{ ref('stg_spectrum__jobs') }}
),

final as (
    select
        cast('{{ var("close_period") | string | trim }}' as {{ dbt.type_string() }}) as close_period,
        {{ close_period_end() }} as as_of_date,
        h.company_code,
        h.spectrum_customer_code,
        h.customer_key,
        h.job_number,
        h.invoice_count,
        cast(h.retainage_billed as decimal(18, 2)) as retainage_billed,
        cast(h.retainage_collected as decimal(18, 2)) as retainage_collected,
        cast(h.retainage_held as decimal(18, 2)) as retainage_held,
        h.first_invoice_date,
        j.status_code as job_status,
        coalesce(j.complete_date, j.est_complete_date) as job_completion_date,
        cast({{ dbt.dateadd('day', var('retainage_release_days') | int, 'coalesce(j.complete_date, j.est_complete_date)') }}
             as date) as expected_release_date,
        case
            when j.complete_date is not null
                then 'completed ' || cast(j.complete_date as {{ dbt.type_string() }})
                     || ' + {{ var("retainage_release_days") | int }} days'
            when j.est_complete_date is not null
                then 'estimated completion ' || cast(j.est_complete_date as {{ dbt.type_string() }})
                     || ' + {{ var("retainage_release_days") | int }} days'
            else 'no completion date on the job'
        end as release_basis
    from held as h
    left join jobs as j on j.company_code = h.company_code and j.job_number = h.job_number
)

select * from final
