{#- Portable JSON access. Hosts land nested objects as JSON (PyAirbyte: JSON; Meltano loaders: JSON/JSONB).
    Each macro dispatches so DuckDB and PostgreSQL (and later Snowflake/BigQuery) get native syntax. -#}

{% macro json_str(expr, path) -%}
  {{ return(adapter.dispatch('json_str', 'tieout')(expr, path)) }}
{%- endmacro %}

{% macro default__json_str(expr, path) -%}
  json_extract_string({{ expr }}, '$.{{ path }}')
{%- endmacro %}

{% macro postgres__json_str(expr, path) -%}
  (cast({{ expr }} as jsonb) #>> '{ {{- path | replace('.', ',') -}} }')
{%- endmacro %}


{#- One row per element of a JSON array: use in FROM after a comma (an implicit lateral join);
    the element is `alias.value`. -#}
{% macro json_array_rows(expr, alias) -%}
  {{ return(adapter.dispatch('json_array_rows', 'tieout')(expr, alias)) }}
{%- endmacro %}

{% macro default__json_array_rows(expr, alias) -%}
  json_each({{ expr }}) as {{ alias }}
{%- endmacro %}

{% macro postgres__json_array_rows(expr, alias) -%}
  jsonb_array_elements(coalesce(cast({{ expr }} as jsonb), '[]'::jsonb)) as {{ alias }}(value)
{%- endmacro %}


{#- A key of an array's first element (a BuildOps job's departments[0].id), as text. -#}
{% macro json_first_str(expr, key) -%}
  {{ return(adapter.dispatch('json_first_str', 'tieout')(expr, key)) }}
{%- endmacro %}

{% macro default__json_first_str(expr, key) -%}
  json_extract_string({{ expr }}, '$[0].{{ key }}')
{%- endmacro %}

{% macro postgres__json_first_str(expr, key) -%}
  (cast({{ expr }} as jsonb) -> 0 ->> '{{ key }}')
{%- endmacro %}
