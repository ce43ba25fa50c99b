-- destination-spectrum's posting verdicts, typed. The ledger may not exist yet (destination-spectrum has not run)
-- and, on DuckDB, may be the destination's own file attached by the on-run-start hook rather than the declared
-- schema: ledger_postings_relation finds it, or returns none and the model is empty but valid.
-- A table, not a view: a view over the attached file would fail wherever the warehouse is opened without it.
{{ config(materialized='table') }}
{%- set ledger = ledger_postings_relation(source('ledger', 'postings')) %}

with
{% if ledger is not none %}
source as (
    select * from {{ ledger }}
),

renamed as (
    select
        cast(source_stream as {{ dbt.type_string() }}) as source_stream,
        cast(source_key as {{ dbt.type_string() }}) as source_key,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(company_code as {{ dbt.type_string() }}) as company_code,
        cast(state as {{ dbt.type_string() }}) as posting_state,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(spectrum_batch as {{ dbt.type_string() }}) as spectrum_batch,
        cast(spectrum_document as {{ dbt.type_string() }}) as spectrum_document,
        cast(posting_mode as {{ dbt.type_string() }}) as posting_mode,
        cast(summary_key as {{ dbt.type_string() }}) as summary_key,
        {{ money('amount') }} as amount,
        cast(attempted_at as {{ dbt.type_string() }}) as attempted_at,
        cast(run_id as {{ dbt.type_string() }}) as run_id
    from source
)
{% else %}
renamed as (
    select
        cast(null as {{ dbt.type_string() }}) as source_stream,
        cast(null as {{ dbt.type_string() }}) as source_key,
        cast(null as {{ dbt.type_string() }}) as tenant_id,
        cast(null as {{ dbt.type_string() }}) as company_code,
        cast(null as {{ dbt.type_string() }}) as posting_state,
        cast(null as {{ dbt.type_string() }}) as reason,
        cast(null as {{ dbt.type_string() }}) as spectrum_batch,
        cast(null as {{ dbt.type_string() }}) as spectrum_document,
        cast(null as {{ dbt.type_string() }}) as posting_mode,
        cast(null as {{ dbt.type_string() }}) as summary_key,
        cast(null as decimal(18, 2)) as amount,
        cast(null as {{ dbt.type_string() }}) as attempted_at,
        cast(null as {{ dbt.type_string() }}) as run_id
    where 1 = 0
)
{% endif %}

select * from renamed
