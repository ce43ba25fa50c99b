{#- The keys an exception can carry, named as truth.json and the connectors name them. Every exception
    CTE selects all of them (absent ones as typed nulls), so the branches union cleanly. -#}
{% macro exception_key_columns() -%}
  {{ return([
      'company_code', 'customer_code', 'buildops_customer_id', 'job_number', 'buildops_job_id',
      'invoice_or_transaction', 'duplicate_invoice_or_transaction', 'buildops_invoice_id',
      'buildops_invoice_number', 'application_number', 'employee_code', 'buildops_employee_id',
      'period_end_date', 'vendor_code', 'buildops_vendor_id', 'buildops_purchase_order_id', 'po_number',
      'product_code', 'phase_code', 'cost_type', 'buildops_visit_id',
  ]) }}
{%- endmacro %}

{#- select list for one exception type: `keys` maps key column -> SQL expression; `occurred_on` is the SQL
    expression for the business date the problem belongs to (close_checklist counts it in that month and
    every later one). Every type must say it: pass 'null' for an undated problem, which always counts.
    `buildops_value` and `spectrum_value` are what each system holds for the thing compared (as text: an
    amount, hours, a name), so the row shows both sides without a second query; a rule that compares two
    Spectrum figures names both in `spectrum_value`. -#}
{% macro exception_select(exception_type, severity, amount, description, keys, occurred_on=none,
                          buildops_value='null', spectrum_value='null') -%}
  {%- if occurred_on is none -%}
    {{ exceptions.raise_compiler_error("exception_select('" ~ exception_type ~ "'): pass occurred_on, the date the problem belongs to ('null' when it has none)") }}
  {%- endif -%}
  cast('{{ exception_type }}' as {{ dbt.type_string() }}) as exception_type,
  cast('{{ severity }}' as {{ dbt.type_string() }}) as severity,
  {%- for column in exception_key_columns() %}
  cast({{ keys.get(column, 'null') }} as {{ dbt.type_string() }}) as {{ column }},
  {%- endfor %}
  cast({{ occurred_on }} as date) as occurred_on,
  cast({{ buildops_value }} as {{ dbt.type_string() }}) as buildops_value,
  cast({{ spectrum_value }} as {{ dbt.type_string() }}) as spectrum_value,
  cast({{ amount }} as decimal(18, 2)) as amount_at_stake,
  cast({{ description }} as {{ dbt.type_string() }}) as description
{%- endmacro %}

{% macro text(expr) -%}
  coalesce(cast({{ expr }} as {{ dbt.type_string() }}), '')
{%- endmacro %}

{#- The exception's id: a hash of its type and every key column, nothing else. Keys are identity fields
    (company, customer, job, invoice, employee-week, ...), never an amount, a date the rule computes or a row
    number, so the same open problem keeps its id across rebuilds and while its amount changes. -#}
{% macro exception_id() -%}
  {%- set parts = ["exception_type"] -%}
  {%- for column in exception_key_columns() -%}
    {%- do parts.append("'|'") -%}{%- do parts.append(text(column)) -%}
  {%- endfor -%}
  {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
