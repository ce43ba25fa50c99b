{#- Raw landing: PyAirbyte and Meltano's loaders both name a table after its stream and lower-case the
    column names (invoiceNumber -> invoicenumber); they differ in schema and bookkeeping columns. -#}

{#- When the host extracted the row: PyAirbyte writes _airbyte_extracted_at, Singer targets _sdc_extracted_at. -#}
{% macro raw_loaded_at() -%}
  {%- if var('raw_layout') == 'meltano' -%}_sdc_extracted_at{%- else -%}_airbyte_extracted_at{%- endif -%}
{%- endmacro %}

{#- Append-mode loaders can hold several versions of a record: keep the latest per key. -#}
{% macro latest_per_key(relation, key_columns) -%}
  select * from (
    select
      src.*,
      row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by {{ raw_loaded_at() }} desc
      ) as _tieout_version_rank
    from {{ relation }} as src
  ) as versions
  where _tieout_version_rank = 1
{%- endmacro %}

{#- Attach destination-spectrum's ledger file (DuckDB only) when it exists; `select 1` otherwise. -#}
{% macro attach_ledger_file() -%}
  {%- set path = var('ledger_path', '') -%}
  {%- if execute and path and target.type == 'duckdb' -%}
    {%- set found = run_query("select count(*) from glob('" ~ path | replace("'", "''") ~ "')").columns[0].values()[0] -%}
    {%- if found > 0 -%}
  attach if not exists '{{ path | replace("'", "''") }}' as tieout_ledger_file (read_only)
    {%- else -%}select 1{%- endif -%}
  {%- else -%}select 1{%- endif -%}
{%- endmacro %}

{#- The posting ledger: the attached ledger file first, then `declared` (source ledger.postings, in the
    warehouse); none before destination-spectrum has ever run. -#}
{% macro ledger_postings_relation(declared) -%}
  {%- if not execute -%}{{ return(none) }}{%- endif -%}
  {%- if target.type == 'duckdb' and var('ledger_path', '') -%}
    {%- set attached = run_query("select count(*) from duckdb_databases() where database_name = 'tieout_ledger_file'").columns[0].values()[0] -%}
    {%- if attached > 0 -%}
      {%- set rel = adapter.get_relation(database='tieout_ledger_file', schema=declared.schema, identifier=declared.identifier) -%}
      {%- if rel is not none -%}{{ return(rel) }}{%- endif -%}
    {%- endif -%}
  {%- endif -%}
  {{ return(adapter.get_relation(database=declared.database, schema=declared.schema, identifier=declared.identifier)) }}
{%- endmacro %}

{#- The raw rows of one stream. PyAirbyte replaces or merges on the primary key, so its tables hold one
    version per record; Singer loaders may append, so under Meltano keep the latest version per key.
    `deletions=true` (the streams source-spectrum can read by change data capture) then leaves out a key whose
    latest version is a deletion (`_ab_cdc_deleted_at` set; the column is in those streams' schemas). -#}
{% macro raw_rows(source_name, table_name, key_columns, deletions=false) -%}
  {%- set layout = var('raw_layout') -%}
  {%- if layout not in ('pyairbyte', 'meltano') -%}
    {{ exceptions.raise_compiler_error(
        "var raw_layout is '" ~ layout ~ "'; use 'pyairbyte' (PyAirbyte cache: schemas buildops_raw, spectrum_raw) "
        ~ "or 'meltano' (Meltano target-duckdb/target-postgres: schemas tap_buildops, tap_spectrum)") }}
  {%- endif -%}
  {%- if layout == 'meltano' -%}
    {%- set rows = '(' ~ latest_per_key(source(source_name, table_name), key_columns) ~ ')' -%}
  {%- else -%}
    {%- set rows = source(source_name, table_name) -%}
  {%- endif -%}
  {%- if deletions -%}
  (select * from {{ rows }} as versions where _ab_cdc_deleted_at is null) as live_rows
  {%- else -%}
  {{ rows }}
  {%- endif -%}
{%- endmacro %}
