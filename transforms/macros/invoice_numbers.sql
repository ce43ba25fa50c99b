{#- BuildOps invoiceNumber -> Spectrum Invoice_Or_Transaction (<= 10 characters): upper-case, keep A-Z 0-9 and
    '-', then the last 10 (the numeric tail is the unique part). The same rule the sandbox documents in
    sandbox/SPECTRUM.md; one canonical number joins both systems. -#}
{% macro canonical_invoice_number(expr) -%}
  right(regexp_replace(upper(trim(cast({{ expr }} as {{ dbt.type_string() }}))), '[^A-Z0-9-]', '', 'g'), 10)
{%- endmacro %}
