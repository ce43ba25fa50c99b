{#- The due date of an invoice dated `invoice_date` on Spectrum terms code `terms_code`: Spectrum's AR
    header has no due-date column, and each install defines its own one-character terms codes, so the days per
    code come from var spectrum_terms_days (UNVERIFIED defaults: the sandbox twin's codes). An unlisted code
    gives null (aging then counts from the invoice date). -#}
{% macro terms_due_date(invoice_date, terms_code) -%}
  {%- set days = var('spectrum_terms_days') -%}
  case {{ terms_code }}
    {%- for code, n in days.items() %}
    when '{{ code }}' then cast({{ dbt.dateadd('day', n, invoice_date) }} as date)
    {%- endfor %}
  end
{%- endmacro %}
