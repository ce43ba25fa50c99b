with source as (
    select * from {{ raw_rows('buildops', 'timesheets', ['id']) }}
),

renamed as (
    select
        id as timesheet_id,
        employeeid as employee_id,
        jobid as job_id,
        {{ trimmed('jobnumber') }} as job_number,
        visitid as visit_id,
        departmentid as department_id,
        entrytype as entry_type,
        payrollhourtype as payroll_hour_type,
        {{ iso_date('workdate') }} as work_date,
        -- Payroll counts hours to 4 places per entry, as Spectrum stores them.
        -- decimal / integer is a DOUBLE on DuckDB: cast back, so summed hours do not depend on the query plan
        cast(round(cast(durationminutes as decimal(18, 4)) / 60, 4) as decimal(18, 4)) as hours,
        isbillable as is_billable,
        status as timesheet_status,
        {{ json_str('audit', 'deletedDateTime') }} is not null as is_deleted
    from source
)

select * from renamed
