-- CFO Q5: does every sub working a project carry the insurance the customer requires? One row per check, per sub
-- assignment, as of the close period's last day: the audit trail of what was checked, against what, when.
-- Definition: fct_project_insurance_checks.yml.
with requirements as (
    select * from {{ ref('stg_spectrum__job_compliance') }} where compliance_code = 'COI'
),

assignments as (
    select distinct
        s.company_code,
        s.job_number,
        s.vendor_code,
        s.subcontract_number,
        s.date_issued
    from {{ ref('stg_spectrum__subcontracts') }} as s
    inner join {{ ref('stg_spectrum__subcontract_phases') }} as sp
        on sp.company_code = s.company_code and sp.vendor_code = s.vendor_code
        and sp.subcontract_number = s.subcontract_number
    where s.date_issued <= {{ close_period_end() }}
),

-- The sub's certificate of insurance: its vendor-level insurance item, the one expiring last.
certificates as (
    select * from (
        select
            *,
            row_number() over (
                partition by company_code, vendor_code order by expiration_date desc nulls last, received_date desc
            ) as recency
        from {{ ref('stg_spectrum__vendor_documents') }}
        where tracking_item_code = 'INS_EXPIRE'
    ) as ranked
    where recency = 1
),

matched as (
    select
        a.company_code,
        a.job_number,
        a.vendor_code,
        a.subcontract_number,
        a.date_issued,
        r.date_entered,
        r.gl_each_occurrence as required_gl_each_occurrence,
        r.gl_aggregate as required_gl_aggregate,
        r.auto_liability as required_auto_liability,
        r.umbrella_limit as required_umbrella_limit,
        r.additional_insured_required,
        r.waiver_of_subrogation_required,
        c.vendor_code is not null as on_file,
        c.received_date,
        c.expiration_date,
        c.gl_each_occurrence,
        c.gl_aggregate,
        c.auto_liability,
        c.umbrella_limit,
        coalesce(c.additional_insured, false) as additional_insured,
        coalesce(c.waiver_of_subrogation, false) as waiver_of_subrogation
    from assignments as a
    inner join requirements as r on r.company_code = a.company_code and r.job_number = a.job_number
    left join certificates as c on c.company_code = a.company_code and c.vendor_code = a.vendor_code
),

checks as (
    select *, 'certificate_on_file' as check_name, 'on file' as required_value,
        case when on_file then 'on file' else 'none' end as certificate_value, on_file as passed
    from matched
    union all
    select *, 'certificate_current', 'expires on or after ' || cast({{ close_period_end() }} as {{ dbt.type_string() }}),
        coalesce(cast(expiration_date as {{ dbt.type_string() }}), 'none'),
        coalesce(expiration_date >= {{ close_period_end() }}, false)
    from matched
    {%- for limit in ['gl_each_occurrence', 'gl_aggregate', 'auto_liability', 'umbrella_limit'] %}
    union all
    select *, '{{ limit }}', cast(required_{{ limit }} as {{ dbt.type_string() }}),
        coalesce(cast({{ limit }} as {{ dbt.type_string() }}), 'none'),
        coalesce({{ limit }} >= required_{{ limit }}, false)
    from matched
    {%- endfor %}
    {%- for endorsement in ['additional_insured', 'waiver_of_subrogation'] %}
    union all
    select *, '{{ endorsement }}', case when {{ endorsement }}_required then 'required' else 'not required' end,
        case when not on_file then 'none' when {{ endorsement }} then 'yes' else 'no' end,
        not {{ endorsement }}_required or (on_file and {{ endorsement }})
    from matched
    {%- endfor %}
),

final as (
    select
        '{{ var("close_period") }}' as close_period,
        {{ close_period_end() }} as checked_as_of,
        company_code,
        job_number,
        vendor_code,
        subcontract_number,
        date_issued as subcontract_issued,
        check_name,
        required_value,
        certificate_value,
        passed,
        date_entered as requirement_entered,
        received_date as certificate_received,
        expiration_date as certificate_expires
    from checks
)

select * from final
