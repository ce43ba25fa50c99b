{#- A generic data test: no two cost_code_mapping rows for the same match (company, match type, match value,
    job type) send it to different phase x cost type cells. The join in int_invoice_lines_mapped has no row
    order to prefer one by, so the line would land in either cell from one build to the next, and
    destination-spectrum (which refuses such a file outright, naming both rows) would disagree with the
    warehouse. Each failing row is one such match with the cells it is sent to. -#}
{% test mapping_rules_agree(model) %}
{%- set cell = dbt.concat(["coalesce(phase_code, '')", "' x '", "coalesce(cost_type, '')"]) %}
select
    company_code,
    match_type,
    match_value,
    job_type,
    count(distinct {{ cell }}) as cells,
    min({{ cell }}) as one_cell,
    max({{ cell }}) as other_cell
from {{ model }}
group by company_code, match_type, match_value, job_type
having count(distinct {{ cell }}) > 1
{% endtest %}
