{#- The CFO section of policy.yml (`cfo:`), which only the transforms read: customer segments (BuildOps
    customerType -> segment, kept in dim_customers), which segment Q1 answers for and over how many months, and
    how overhead is allocated (GL accounts and the base: labor_hours, direct_cost or revenue). A key the file
    leaves out takes the default below: no segments (every customer is default_segment), no overhead accounts
    (no overhead), direct cost as the base, a 180-day window from a recommending visit to a project. -#}
{% macro cfo_policy() -%}
  {%- set cfo = policy_document().get('cfo') or {} -%}
  {%- set profitability = cfo.get('profitability') or {} -%}
  {%- set overhead = cfo.get('overhead') or {} -%}
  {%- set conversion = cfo.get('conversion') or {} -%}
  {%- set base = (overhead.get('allocation_base') or 'direct_cost') | string | trim | lower -%}
  {%- if base not in ('labor_hours', 'direct_cost', 'revenue') -%}
    {{ exceptions.raise_compiler_error("policy.yml cfo.overhead.allocation_base is '" ~ base ~ "'; use labor_hours, direct_cost or revenue") }}
  {%- endif -%}
  {%- set accounts = [] -%}
  {%- for a in (overhead.get('gl_accounts') or []) -%}{%- do accounts.append(a | string | trim) -%}{%- endfor -%}
  {{ return({
      'segments': cfo.get('segments') or {},
      'default_segment': cfo.get('default_segment') or 'unassigned',
      'profitability_segment': profitability.get('segment') or 'commercial',
      'profitability_months': (profitability.get('months') or 12) | int,
      'overhead_accounts': accounts,
      'allocation_base': base,
      'conversion_window_days': (conversion.get('window_days') or 180) | int,
  }) }}
{%- endmacro %}

{#- The segment of a BuildOps customerType expression, by policy.yml's cfo.segments (exact type names). -#}
{% macro cfo_segment(customer_type_expr) -%}
  {%- set p = cfo_policy() -%}
  {%- if p.segments | length == 0 -%}'{{ p.default_segment }}'
  {%- else -%}
  coalesce(case {{ customer_type_expr }}
  {%- for k, v in p.segments.items() %} when '{{ k | replace("'", "''") }}' then '{{ v | replace("'", "''") }}'{% endfor %}
  end, '{{ p.default_segment }}')
  {%- endif -%}
{%- endmacro %}

{#- Q2's alert thresholds (policy.yml cfo.overruns): a cost code is alerted when its forecast overrun is at least
    min_amount dollars AND at least min_percent of its budget (a fraction: 0.05 = 5%), so that pennies on a large
    phase or a few dollars on a tiny one do not page the CFO. Defaults 1000.00 and 0.05. -#}
{% macro cfo_overrun_policy() -%}
  {%- set overruns = (policy_document().get('cfo') or {}).get('overruns') or {} -%}
  {%- set out = {} -%}
  {%- for key, default in [('min_amount', '1000.00'), ('min_percent', '0.05')] -%}
    {%- set value = overruns.get(key, default) -%}
    {%- set text = value | string | trim -%}
    {%- if value is none or not text.replace('.', '', 1).isdigit() -%}
      {{ exceptions.raise_compiler_error("policy.yml cfo.overruns." ~ key ~ " is '" ~ value ~ "'; use a number not below zero, e.g. " ~ key ~ ": " ~ default) }}
    {%- endif -%}
    {%- do out.update({key: text}) -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}
