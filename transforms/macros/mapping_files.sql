{#- The mapping files users maintain (cost_code_mapping.csv, customer_crosswalk.csv, job_crosswalk.csv) are read where they
    live, never copied into the project: dbt seeds would write their compiled SQL next to a seed given by an
    absolute path, i.e. over the user's own CSV. On DuckDB each run reloads the folder in var('mapping_dir')
    into var('mapping_schema') with read_csv (every column text: phase 010100 stays 010100). On other
    warehouses, load the files into that schema before dbt runs. Missing tables are created empty so a
    fresh clone still builds. -#}

{% macro mapping_file_columns() -%}
  {{ return({
    'cost_code_mapping': ['company_code', 'match_type', 'match_value', 'job_type', 'phase_code', 'cost_type', 'note'],
    'customer_crosswalk': ['buildops_customer_id', 'company_code', 'customer_code'],
    'job_crosswalk': ['match_type', 'match_value', 'year', 'company_code', 'spectrum_job_number', 'phase_code', 'note'],
  }) }}
{%- endmacro %}

{#- Which encoding a maintained CSV was saved in, detected the way destination-spectrum does
    (destination_spectrum/text_files.py): a byte-order mark, then strict UTF-8, then Windows-1252, never a
    statistical guess. Returns the read_csv encoding to use, or stops the build naming the file, the byte
    offset and the fix. DuckDB reads UTF-8, UTF-16 LE and Latin-1 without extensions (the `encodings` extension
    is a download): a Windows-1252 file is read as Latin-1, which is the same character for every byte except
    0x80-0x9F (euro sign, curly quotes, dashes); a file holding one of those, or UTF-16 big-endian, stops the
    build here rather than be read differently from the destination. -#}
{% macro mapping_file_encoding(path, columns=[]) -%}
  {%- set quoted = "'" ~ path | replace("'", "''") ~ "'" -%}
  {#- A missing file would otherwise stop the build with DuckDB's bare "No files found". -#}
  {%- if run_query("select count(*) from glob(" ~ quoted ~ ")").rows[0][0] == 0 -%}
    {%- do exceptions.raise_compiler_error("mapping file " ~ path ~ " not found: write it in mapping_dir (header: "
        ~ columns | join(',') ~ "), or point TIEOUT_MAPPING_DIR / var mapping_dir at the folder that holds it") -%}
  {%- endif -%}
  {%- set sniff -%}
    select
      case
        when content[1:3] = '\xEF\xBB\xBF'::blob then 'UTF-8 with BOM'
        when content[1:2] = '\xFF\xFE'::blob then 'UTF-16'
        when content[1:2] = '\xFE\xFF'::blob then 'UTF-16 big-endian'
        when try(decode(content)) is not null then 'UTF-8'
        else 'Windows-1252 (cp1252)'
      end as encoding,
      -- byte offsets (hex digits / 2) of the first NUL and of the first byte in 0x80-0x9F, -1 when none
      case when regexp_matches(hex(content), '^(?:..)*?00')
        then length(regexp_extract(hex(content), '^((?:..)*?)00', 1)) // 2 else -1 end as nul_at,
      case when regexp_matches(hex(content), '^(?:..)*?[89][0-9A-F]')
        then length(regexp_extract(hex(content), '^((?:..)*?)[89][0-9A-F]', 1)) // 2 else -1 end as c1_at
    from read_blob({{ quoted }})
  {%- endset -%}
  {%- set row = run_query(sniff).rows[0] -%}
  {%- set encoding, nul_at, c1_at = row[0], row[1], row[2] -%}
  {%- set fix = 'save it from Excel as "CSV UTF-8 (Comma delimited)" (or from any editor as UTF-8)' -%}
  {%- if encoding == 'UTF-16 big-endian' -%}
    {%- do exceptions.raise_compiler_error(path ~ " is UTF-16 big-endian, which DuckDB does not read; " ~ fix) -%}
  {%- elif encoding == 'UTF-8' and nul_at >= 0 -%}
    {%- do exceptions.raise_compiler_error(path ~ " holds a NUL byte at byte " ~ nul_at ~ ": it looks like UTF-16 saved without its byte-order mark, or a binary file; " ~ fix) -%}
  {%- elif encoding.startswith('Windows') and c1_at >= 0 -%}
    {%- do exceptions.raise_compiler_error(path ~ " is Windows-1252 with a character DuckDB cannot read that way at byte " ~ c1_at ~ " (a euro sign, curly quote or dash: bytes 0x80-0x9F); " ~ fix) -%}
  {%- endif -%}
  {%- do log("mapping file " ~ path ~ " read as " ~ encoding, info=True) -%}
  {{- return({'UTF-8': 'utf-8', 'UTF-8 with BOM': 'utf-8', 'UTF-16': 'utf-16'}.get(encoding, 'latin-1')) -}}
{%- endmacro %}

{#- Returns the statements for the on-run-start hook (hook SQL runs and commits as one unit). -#}
{% macro load_mapping_files() -%}
  {%- set schema = var('mapping_schema') -%}
  {%- set folder = var('mapping_dir', '') -%}
  {%- set statements = ['create schema if not exists ' ~ schema] -%}
  {%- for name, columns in mapping_file_columns().items() -%}
    {%- set relation = adapter.get_relation(database=target.database, schema=schema, identifier=name) if execute else none -%}
    {%- if folder and target.type == 'duckdb' -%}
      {%- set path = folder.rstrip('/') ~ '/' ~ name ~ '.csv' -%}
      {%- set encoding = mapping_file_encoding(path, columns) if execute else 'utf-8' -%}
      {%- do statements.append(
          "create or replace table " ~ schema ~ "." ~ name ~ " as select "
          ~ columns | join(', ') ~ " from read_csv('" ~ path | replace("'", "''")
          ~ "', header = true, all_varchar = true, union_by_name = true, encoding = '" ~ encoding ~ "')") -%}
    {%- elif relation is none -%}
      {%- do statements.append(
          "create table if not exists " ~ schema ~ "." ~ name ~ " (" ~ columns | join(' varchar(400), ') ~ " varchar(400))") -%}
    {%- endif -%}
  {%- endfor -%}
  {{ statements | join(';\n') }}
{%- endmacro %}
