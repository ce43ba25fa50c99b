with source as (
    select * from {{ source('mapping', 'cost_code_mapping') }}
),

renamed as (
    select
        upper(coalesce({{ trimmed('company_code') }}, '')) as company_code,
        lower({{ trimmed('match_type') }}) as match_type,
        upper(coalesce({{ trimmed('match_value') }}, '')) as match_value,
        upper(coalesce({{ trimmed('job_type') }}, '')) as job_type,
        {{ trimmed('phase_code') }} as phase_code,
        {{ trimmed('cost_type') }} as cost_type,
        {{ trimmed('note') }} as note
    from source
)

select * from renamed
