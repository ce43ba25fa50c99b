with source as (
    select * from {{ raw_rows('buildops', 'visits', ['id']) }}
),

renamed as (
    select
        id as visit_id,
        visitnumber as visit_number,
        jobid as job_id,
        {{ trimmed('jobnumber') }} as job_number,
        status as visit_status,
        {{ iso_date('scheduledfor') }} as scheduled_date,
        actualdurationmins as actual_duration_minutes,
        primarytechid as primary_tech_id,
        customerpropertyid as property_id,
        -- Work the technician recommended on the visit (free text; the field name is unverified).
        {{ trimmed('recommendation') }} as recommendation,
        {{ json_str('audit', 'deletedDateTime') }} is not null as is_deleted
    from source
)

select * from renamed
