{#- The close desk's memory (issue 16). People decide about exceptions and sign close steps off; the build
    closes exceptions that left the data. Both are rows in two append-only tables in var('desk_schema'),
    outside every schema dbt builds into, so no rebuild (--full-refresh included) drops a decision:

      decisions           one row per decision: who, when, what about (an exception or a close step), the
                          status it set, why. Written by the desk (`tieout desk`) and by this project's
                          on-run-end hook (closed when gone, reopened when back). Never updated or deleted.
      exception_sightings one row per exception id the first time a build saw it, with the attributes the
                          checklist needs once it is gone (its step, date, amount). Written by the hook.

    The desk creates the same tables (tieout_desk/store.py); the column lists here and there are one
    contract, held equal by desk/tests. -#}

{% macro desk_decision_statuses() -%}
  {{ return({
      'exception': ['open', 'acknowledged', 'resolved', 'waived'],
      'close_step': ['prepared', 'reviewed'],
  }) }}
{%- endmacro %}

{% macro create_desk_tables() -%}
  {%- set schema = var('desk_schema') -%}
  create schema if not exists {{ schema }};
  create table if not exists {{ schema }}.decisions (
      decision_id {{ dbt.type_string() }} not null primary key,
      decided_at timestamp not null,
      decided_by {{ dbt.type_string() }} not null,
      subject_kind {{ dbt.type_string() }} not null,
      subject_id {{ dbt.type_string() }} not null,
      status {{ dbt.type_string() }} not null,
      reason {{ dbt.type_string() }},
      note {{ dbt.type_string() }}
  );
  create table if not exists {{ schema }}.exception_sightings (
      exception_id {{ dbt.type_string() }} not null primary key,
      exception_type {{ dbt.type_string() }} not null,
      company_code {{ dbt.type_string() }},
      close_step {{ dbt.type_string() }},
      occurred_on date,
      amount_at_stake decimal(18, 2),
      first_seen_at timestamp not null,
      first_seen_build {{ dbt.type_string() }} not null
  )
{%- endmacro %}

{#- The desk section of policy.yml (the file routing and compliance come from, macros/policy.sql):

      desk:
        default_owner: controller
        owners:                 # the most specific rule wins: type and company, then type, then company
          - {exception_type: payroll_timing_gap, owner: payroll}
          - {exception_type: payment_status_drift, company: MEC, owner: ar-mec}
        materiality:            # an exception blocks its close step only when its amount at stake reaches this
          default: 0            # 0: every exception blocks
          payroll_timing_gap: 50.00

    Unknown exception types, a rule without an owner or a threshold that is not a number stop the build with a
    message naming the key. -#}
{% macro desk_policy() -%}
  {%- set doc = (policy_document().get('desk') or {}) -%}
  {%- set owners = [] -%}
  {%- for rule in (doc.get('owners') or []) -%}
    {%- set where = 'policy.yml desk.owners[' ~ loop.index0 ~ ']' -%}
    {%- if rule is not mapping or not rule.get('owner') -%}
      {%- do exceptions.raise_compiler_error(where ~ " has no owner; write it as {exception_type: TYPE, company: CODE, owner: NAME} (type or company may be left out)") -%}
    {%- endif -%}
    {%- set kind = rule.get('exception_type') or rule.get('type') -%}
    {%- if kind and (kind | string) not in desk_exception_types() -%}
      {%- do exceptions.raise_compiler_error(where ~ " names exception type '" ~ kind ~ "'; use one of " ~ desk_exception_types() | join(', ')) -%}
    {%- endif -%}
    {%- do owners.append({'exception_type': (kind | string) if kind else none,
                          'company': (rule.get('company') | string | trim) if rule.get('company') else none,
                          'owner': rule.get('owner') | string | trim}) -%}
  {%- endfor -%}
  {%- set materiality = {} -%}
  {%- for key, value in (doc.get('materiality') or {}).items() -%}
    {%- if key != 'default' and key not in desk_exception_types() -%}
      {%- do exceptions.raise_compiler_error("policy.yml desk.materiality names exception type '" ~ key ~ "'; use default or one of " ~ desk_exception_types() | join(', ')) -%}
    {%- endif -%}
    {%- if not modules.re.fullmatch('[0-9]+([.][0-9]{1,2})?', value | string | trim) -%}
      {%- do exceptions.raise_compiler_error("policy.yml desk.materiality." ~ key ~ " is '" ~ value ~ "'; use an amount in dollars such as 50.00 (0: every exception of the type blocks)") -%}
    {%- endif -%}
    {%- do materiality.update({key: value | string | trim}) -%}
  {%- endfor -%}
  {{ return({
      'default_owner': (doc.get('default_owner') or 'controller') | string | trim,
      'owners': owners,
      'materiality': materiality,
  }) }}
{%- endmacro %}

{% macro desk_exception_types() -%}
  {{ return(['payment_status_drift', 'changed_after_posting', 'double_billed', 'retainage_mismatch',
             'routing_ambiguous', 'unbilled_work', 'payroll_timing_gap', 'unmapped_pricebook_item',
             'mapping_to_missing_phase', 'compliance_lapsed_assignment', 'customer_unmatched', 'job_unmatched',
             'mapping_drift']) }}
{%- endmacro %}

{#- The owner of an exception: the most specific desk.owners rule (type and company, then type, then
    company), else desk.default_owner. -#}
{% macro desk_owner(type_expr, company_expr) -%}
  {%- set p = desk_policy() -%}
  {%- set ranked = [] -%}
  {%- for specificity in [2, 1, 0] -%}
    {%- for rule in p.owners -%}
      {%- set has_type = rule.exception_type is not none -%}
      {%- set has_company = rule.company is not none -%}
      {%- if (specificity == 2 and has_type and has_company) or (specificity == 1 and has_type and not has_company)
            or (specificity == 0 and not has_type and has_company) -%}
        {%- do ranked.append(rule) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if ranked | length == 0 -%}
  cast('{{ p.default_owner | replace("'", "''") }}' as {{ dbt.type_string() }})
  {%- else -%}
  cast(case
  {%- for rule in ranked %}
    when {% if rule.exception_type %}{{ type_expr }} = '{{ rule.exception_type }}'{% else %}1 = 1{% endif %}
      and {% if rule.company %}{{ company_expr }} = '{{ rule.company | replace("'", "''") }}'{% else %}1 = 1{% endif %}
      then '{{ rule.owner | replace("'", "''") }}'
  {%- endfor %}
    else '{{ p.default_owner | replace("'", "''") }}'
  end as {{ dbt.type_string() }})
  {%- endif -%}
{%- endmacro %}

{#- The amount at stake from which an exception of the type blocks its close step (desk.materiality). -#}
{% macro desk_materiality(type_expr) -%}
  {%- set p = desk_policy() -%}
  {%- set default = p.materiality.get('default', '0') -%}
  {%- set by_type = p.materiality.items() | rejectattr(0, 'equalto', 'default') | list -%}
  {%- if by_type | length == 0 -%}
  cast({{ default }} as decimal(18, 2))
  {%- else -%}
  cast(case {{ type_expr }}
  {%- for key, value in by_type %}
    when '{{ key }}' then {{ value }}
  {%- endfor %}
    else {{ default }}
  end as decimal(18, 2))
  {%- endif -%}
{%- endmacro %}

{#- on-run-end: after a build that rebuilt `exceptions`, remember the exceptions seen for the first time, close
    those that left the data (decided_by 'tieout build'), and reopen those the build had closed that came back.
    A run that did not build `exceptions` (dbt run -s some_model) changes nothing. -#}
{% macro record_exception_lifecycle(results) -%}
  {%- if not execute -%}{{ return('select 1') }}{%- endif -%}
  {%- set built = [] -%}
  {%- for result in results -%}
    {%- if result.node.resource_type == 'model' and result.node.name == 'exceptions' and result.status == 'success' -%}
      {%- do built.append(result.node) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if built | length == 0 -%}{{ return('select 1') }}{%- endif -%}
  {%- set schema = var('desk_schema') -%}
  {%- set current = built[0].relation_name -%}
  {%- set build = invocation_id -%}
  {%- set at = "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as timestamp)" -%}
  {%- set latest -%}
    select subject_id, status, decided_by from (
        select subject_id, status, decided_by,
               row_number() over (partition by subject_id order by decided_at desc, decision_id desc) as recency
        from {{ schema }}.decisions where subject_kind = 'exception'
    ) as ranked where recency = 1
  {%- endset -%}
  insert into {{ schema }}.exception_sightings
  select e.exception_id, e.exception_type, e.company_code, e.close_step, e.occurred_on, e.amount_at_stake,
         {{ at }}, '{{ build }}'
  from {{ current }} as e
  where not exists (select 1 from {{ schema }}.exception_sightings as s where s.exception_id = e.exception_id);
  insert into {{ schema }}.decisions
  select '{{ build }}|closed|' || s.exception_id, {{ at }}, 'tieout build', 'exception', s.exception_id,
         'resolved', 'gone from the data', 'build {{ build }} no longer finds this exception'
  from {{ schema }}.exception_sightings as s
  left join ({{ latest }}) as d on d.subject_id = s.exception_id
  where coalesce(d.status, 'open') in ('open', 'acknowledged')
    and not exists (select 1 from {{ current }} as e where e.exception_id = s.exception_id);
  insert into {{ schema }}.decisions
  select '{{ build }}|reopened|' || e.exception_id, {{ at }}, 'tieout build', 'exception', e.exception_id,
         'open', 'back in the data', 'build {{ build }} finds this exception again after a build closed it'
  from {{ current }} as e
  join ({{ latest }}) as d on d.subject_id = e.exception_id
  where d.status = 'resolved' and d.decided_by = 'tieout build'
  {#- DuckDB runs this hook outside a transaction (a commit would fail); elsewhere dbt would roll it back. #}
  {%- if target.type != 'duckdb' %};
  commit
  {%- endif %}
{%- endmacro %}
