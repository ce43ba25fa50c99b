with source as (
    select * from {{ source('mapping', 'job_crosswalk') }}
),

renamed as (
    select
        lower({{ trimmed('match_type') }}) as match_type,
        upper({{ trimmed('match_value') }}) as match_value,
        -- Text, compared with the job's creation year as text: a year like 2026 only (blank = any year).
        {{ trimmed(adapter.quote('year')) }} as match_year,
        upper({{ trimmed('company_code') }}) as company_code,
        {{ trimmed('spectrum_job_number') }} as spectrum_job_number,
        {{ trimmed('phase_code') }} as phase_code,
        {{ trimmed('note') }} as note
    from source
    where {{ trimmed('match_value') }} is not null
)

select * from renamed
