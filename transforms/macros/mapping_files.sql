{#- The mapping files users maintain (cost_code_mapping.csv, customer_crosswalk.csv) are read where they
    live, never copied into the project: dbt seeds would write their compiled SQL next to a seed given by an
    absolute path, i.e. over the user's own CSV. On DuckDB each run reloads the folder in var('mapping_dir')
    into var('mapping_schema') with read_csv (every column text: phase 010100 stays 010100). On other
    warehouses, load the files into that schema before dbt runs. Missing tables are created empty so a
    fresh clone still builds. -#}

{% macro mapping_file_columns() -%}
  {{ return({
    'cost_code_mapping': ['company_code', 'match_type', 'match_value', 'job_type', 'phase_code', 'cost_type', 'note'],
    'customer_crosswalk': ['buildops_customer_id', 'company_code', 'customer_code'],
  }) }}
{%- endmacro %}

{#- Returns the statements for the on-run-start hook (hook SQL runs and commits as one unit). -#}
{% macro load_mapping_files() -%}
  {%- set schema = var('mapping_schema') -%}
  {%- set folder = var('mapping_dir', '') -%}
  {%- set statements = ['create schema if not exists ' ~ schema] -%}
  {%- for name, columns in mapping_file_columns().items() -%}
    {%- set relation = adapter.get_relation(database=target.database, schema=schema, identifier=name) if execute else none -%}
    {%- if folder and target.type == 'duckdb' -%}
      {%- do statements.append(
          "create or replace table " ~ schema ~ "." ~ name ~ " as select "
          ~ columns | join(', ') ~ " from read_csv('" ~ (folder.rstrip('/') ~ '/' ~ name ~ '.csv') | replace("'", "''")
          ~ "', header = true, all_varchar = true, union_by_name = true)") -%}
    {%- elif relation is none -%}
      {%- do statements.append(
          "create table if not exists " ~ schema ~ "." ~ name ~ " (" ~ columns | join(' varchar(400), ') ~ " varchar(400))") -%}
    {%- endif -%}
  {%- endfor -%}
  {{ statements | join(';\n') }}
{%- endmacro %}
