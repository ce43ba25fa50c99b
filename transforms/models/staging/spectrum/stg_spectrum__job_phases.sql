with source as (
    select * from {{ raw_rows('spectrum', 'phases', ['company_code', 'job_number', 'phase_code', 'cost_type']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('job_number') }} as job_number,
        {{ trimmed('phase_code') }} as phase_code,
        {{ trimmed('cost_type') }} as cost_type,
        {{ trimmed('description') }} as phase_description,
        {{ trimmed('status_code') }} as status_code,
        {{ money('original_est_cost') }} as original_est_cost,
        -- JC_PHASE_MASTER_MC keeps original estimates only. The current estimate adds JC_PHASE_ESTIMATES_MC
        -- and approved change requests, which the connector does not read yet: it is the original here.
        {{ money('original_est_cost') }} as current_est_cost,
        {{ rate('original_est_hours') }} as current_est_hours,
        {{ trimmed('phase_cost_center') }} as cost_center
    from source
)

select * from renamed
