-- Ticket-level detail behind each daily summary posting: every BuildOps record destination-spectrum
-- posted (or held, or rejected) with the summary it rolled into. Reads the posting ledger
-- (var ledger_schema).postings (in the attached ledger file, var ledger_path, or in the warehouse) when
-- destination-spectrum has run; before that the model is empty but valid.
{%- set ledger = ledger_postings_relation() %}

with
{% if ledger is not none %}
postings as (
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
    from postings
),
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
),
{% endif %}

invoices as (
    select invoice_id, invoice_number, canonical_invoice_number, job_id, job_number, issued_date
    from {{ ref('stg_buildops__invoices') }}
),

final as (
    select
        r.*,
        i.invoice_number as buildops_invoice_number,
        i.canonical_invoice_number,
        i.job_number,
        i.issued_date as ticket_date
    from renamed as r
    left join invoices as i on i.invoice_id = r.source_key
    where r.posting_mode = 'daily_summary'
)

select * from final
