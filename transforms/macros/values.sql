{#- Typing helpers shared by every staging model. Connectors emit money as exact JSON numbers and dates as
    ISO 8601 strings; hosts may land them as DECIMAL, VARCHAR or TIMESTAMP. These casts accept all three. -#}

{% macro money(expr) -%}
  cast(cast({{ expr }} as {{ dbt.type_string() }}) as decimal(18, 2))
{%- endmacro %}

{% macro rate(expr) -%}
  cast(cast({{ expr }} as {{ dbt.type_string() }}) as decimal(18, 4))
{%- endmacro %}

{#- The first 10 characters of an ISO 8601 date or timestamp are the calendar date in UTC. -#}
{% macro iso_date(expr) -%}
  cast(nullif(substring(cast({{ expr }} as {{ dbt.type_string() }}), 1, 10), '') as date)
{%- endmacro %}

{% macro trimmed(expr) -%}
  nullif(trim(cast({{ expr }} as {{ dbt.type_string() }})), '')
{%- endmacro %}

{#- Whole days from start_date to end_date (both DATE). -#}
{% macro days_between(start_date, end_date) -%}
  {{ dbt.datediff(start_date, end_date, 'day') }}
{%- endmacro %}

{% macro as_of_date() -%}
  cast('{{ var("as_of_date") }}' as date)
{%- endmacro %}

{% macro sql_list(values) -%}
  {%- if values | length == 0 -%}(null){%- else -%}
  ({% for v in values %}'{{ v | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor %})
  {%- endif -%}
{%- endmacro %}

{#- A date that may arrive as an ISO 8601 date/timestamp, as YYYYMMDD text, or as epoch seconds or
    milliseconds (BuildOps fields outside the source's date-name rule, e.g. dateOfPurchase). -#}
{% macro flexible_date(expr) -%}
  {{ return(adapter.dispatch('flexible_date', 'tieout')(expr)) }}
{%- endmacro %}

{% macro default__flexible_date(expr) -%}
  {%- set text = "trim(cast(" ~ expr ~ " as varchar))" -%}
  case
    when regexp_full_match({{ text }}, '[0-9]{8}') then strptime({{ text }}, '%Y%m%d')::date
    when regexp_full_match({{ text }}, '[0-9]{12,13}') then cast(epoch_ms(cast({{ text }} as bigint)) as date)
    when regexp_full_match({{ text }}, '[0-9]{9,11}') then cast(epoch_ms(cast({{ text }} as bigint) * 1000) as date)
    else {{ iso_date(expr) }}
  end
{%- endmacro %}

{% macro postgres__flexible_date(expr) -%}
  {%- set text = "trim(cast(" ~ expr ~ " as varchar))" -%}
  case
    when {{ text }} ~ '^[0-9]{8}$' then to_date({{ text }}, 'YYYYMMDD')
    when {{ text }} ~ '^[0-9]{12,13}$' then cast(to_timestamp(cast({{ text }} as bigint) / 1000.0) at time zone 'UTC' as date)
    when {{ text }} ~ '^[0-9]{9,11}$' then cast(to_timestamp(cast({{ text }} as bigint)) at time zone 'UTC' as date)
    else {{ iso_date(expr) }}
  end
{%- endmacro %}

{#- The first day of var('close_period') (YYYY-MM) as a DATE literal; anything else stops the run with a
    message naming the var, its value and both ways to set it. -#}
{% macro close_period_start() -%}
  {%- set period = var('close_period') | string | trim -%}
  {%- if not modules.re.fullmatch('[0-9]{4}-(0[1-9]|1[0-2])', period) -%}
    {{ exceptions.raise_compiler_error("var close_period is '" ~ period ~ "'; use a month as YYYY-MM, e.g. 2026-10 (--vars '{\"close_period\": \"2026-10\"}' or env TIEOUT_CLOSE_PERIOD=2026-10)") }}
  {%- endif -%}
  cast('{{ period }}-01' as date)
{%- endmacro %}

{#- The last day of var('close_period') as a DATE: every as-of-the-close figure is stated at this date. -#}
{% macro close_period_end() -%}
  cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, close_period_start())) }} as date)
{%- endmacro %}
