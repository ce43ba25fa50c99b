with source as (
    select * from {{ raw_rows('spectrum', 'job_compliance', ['company_code', 'job_number', 'compliance_code']) }}
),

renamed as (
    select
        {{ trimmed('company_code') }} as company_code,
        {{ trimmed('job_number') }} as job_number,
        upper({{ trimmed('compliance_code') }}) as compliance_code,
        {{ trimmed('description') }} as description,
        coalesce({{ money('gl_each_occurrence') }}, 0) as gl_each_occurrence,
        coalesce({{ money('gl_aggregate') }}, 0) as gl_aggregate,
        coalesce({{ money('auto_liability') }}, 0) as auto_liability,
        coalesce({{ money('umbrella_limit') }}, 0) as umbrella_limit,
        coalesce(upper({{ trimmed('additional_insured') }}) = 'Y', false) as additional_insured_required,
        coalesce(upper({{ trimmed('waiver_of_subrogation') }}) = 'Y', false) as waiver_of_subrogation_required,
        {{ iso_date('date_entered') }} as date_entered
    from source
)

select * from renamed
