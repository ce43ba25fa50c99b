with source as (
    select * from {{ raw_rows('spectrum', 'job_progress', ['company_code', 'job_number']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('job_number') }} as job_number,
        {{ money('revised_contract') }} as revised_contract,
        {{ money('cost_to_date') }} as cost_to_date,
        {{ money('estimated_cost') }} as estimated_cost,
        {{ money('projected_cost') }} as projected_cost
    from source
)

select * from renamed
