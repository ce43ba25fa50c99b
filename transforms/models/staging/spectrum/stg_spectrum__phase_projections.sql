with source as (
    select * from {{ raw_rows('spectrum', 'phase_projections', ['company_code', 'job', 'phase', 'cost_type', 'system_key']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('job') }} as job_number,
        {{ trimmed('phase') }} as phase_code,
        {{ trimmed('cost_type') }} as cost_type,
        {{ trimmed('system_key') }} as system_key,
        {{ iso_date('transaction_date') }} as transaction_date,
        {{ money('amount') }} as projected_cost,
        {{ rate('projected_hours') }} as projected_hours,
        {{ rate('projected_quantity') }} as projected_quantity
    from source
)

select * from renamed
