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
