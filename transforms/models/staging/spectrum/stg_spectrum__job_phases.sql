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
        {{ money('current_est_cost') }} as current_est_cost,
        {{ money('projected_cost') }} as projected_cost,
        {{ money('jtd_actual_dollars') }} as jtd_actual_cost,
        {{ rate('current_est_hours') }} as current_est_hours,
        {{ rate('jtd_hours') }} as jtd_hours
    from source
)

select * from renamed
