{#- A generic data test: no two job_crosswalk rows for the same match send it to different Spectrum jobs (or
    phases). A row's match is its match type, value and year, and for a job_type row its company (a job type
    rule applies to that company's jobs only). int_job_crosswalk
    would otherwise pick one by name order, and destination-spectrum (which refuses such a file, naming both
    rows) would disagree. Each failing row is one such match with two of its targets. -#}
{% test job_crosswalk_rows_agree(model) %}
{%- set target = dbt.concat(["company_code", "' '", "spectrum_job_number", "' phase '", "coalesce(phase_code, '-')"]) %}
select
    match_type,
    match_value,
    match_year,
    case when match_type = 'job_type' then company_code else '' end as pattern_company,
    count(distinct {{ target }}) as targets,
    min({{ target }}) as one_target,
    max({{ target }}) as other_target
from {{ model }}
group by match_type, match_value, match_year, case when match_type = 'job_type' then company_code else '' end
having count(distinct {{ target }}) > 1
{% endtest %}
