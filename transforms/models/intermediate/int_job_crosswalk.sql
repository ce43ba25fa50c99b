-- Each live BuildOps job resolved to the Spectrum job it posts to through job_crosswalk.csv, exactly as
-- destination-spectrum resolves it (destination_spectrum.job_crosswalk.JobCrosswalk.resolve), never by equal
-- numbers (projects carry different numbers in each system; service tickets post to umbrella jobs):
--   1. a one-to-one row: match_type job_number, the BuildOps jobNumber;
--   2. a job_type rule: the job's type, within the row's company (the company the job's department posts to);
--   3. a department rule: the job's department name.
-- Within a pattern kind, a row naming the job's creation year wins over a row for every year. A job no row
-- covers resolves to nothing (exception job_unmatched when it has invoices).
with jobs as (
    select
        j.job_id,
        j.job_number,
        coalesce(j.job_type_name, jt.job_type_name) as job_type,
        coalesce(j.department_name, d.department_name) as department_name,
        d.company_code as department_company,
        cast(cast(extract(year from j.created_date) as integer) as {{ dbt.type_string() }}) as created_year
    from {{ ref('stg_buildops__jobs') }} as j
    left join {{ ref('stg_buildops__job_types') }} as jt on jt.job_type_id = j.job_type_id
    left join {{ ref('stg_buildops__departments') }} as d on d.department_id = j.department_id
    where not j.is_deleted
),

rules as (
    select * from {{ ref('stg_mapping__job_crosswalk') }}
),

-- One equality join per match kind (each job looks its rows up by key, not jobs x rows).
candidates as (
    select j.job_id, r.company_code, r.spectrum_job_number, r.phase_code, r.match_type, 1 as match_rank, 1 as year_rank
    from jobs as j
    inner join rules as r on r.match_type = 'job_number' and r.match_value = upper(j.job_number)
    union all
    select
        j.job_id, r.company_code, r.spectrum_job_number, r.phase_code, r.match_type, 2 as match_rank,
        case when r.match_year is null then 2 else 1 end as year_rank
    from jobs as j
    inner join rules as r
        on r.match_type = 'job_type' and r.match_value = upper(j.job_type) and r.company_code = j.department_company
    where r.match_year is null or r.match_year = j.created_year
    union all
    select
        j.job_id, r.company_code, r.spectrum_job_number, r.phase_code, r.match_type, 3 as match_rank,
        case when r.match_year is null then 2 else 1 end as year_rank
    from jobs as j
    inner join rules as r on r.match_type = 'department' and r.match_value = upper(j.department_name)
    where r.match_year is null or r.match_year = j.created_year
),

resolved as (
    select * from (
        select
            *,
            row_number() over (
                partition by job_id
                order by match_rank, year_rank, company_code, spectrum_job_number, phase_code
            ) as pick
        from candidates
    ) as ranked
    where pick = 1
),

final as (
    select
        j.job_id as buildops_job_id,
        j.job_number as buildops_job_number,
        j.job_type,
        j.department_name,
        j.department_company,
        j.created_year,
        r.company_code,
        r.spectrum_job_number,
        r.phase_code,
        r.match_type as matched_by,
        coalesce(r.match_type in ('job_type', 'department'), false) as is_pattern_match
    from jobs as j
    left join resolved as r on r.job_id = j.job_id
)

select * from final
