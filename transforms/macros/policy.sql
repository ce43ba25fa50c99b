{#- policy.yml (DIR/policy.yml), the file destination-spectrum enforces at posting time (its policy_path), is
    the one source of policy. It reaches dbt as the var `policy` (the runner passes the file's content:
    --vars "{policy: ...}"), else, on DuckDB, from the file at var `policy_path`, read at run time. A key the
    file leaves out (or no file at all) takes destination_spectrum.policy.Policy.from_dict's default: this
    macro reads the document with the same aliases and defaults, so both sides agree
    (transforms/tests/test_transforms_policy.py holds them to it). -#}
{% macro policy_document() -%}
  {%- set passed = var('policy', {}) or {} -%}
  {%- if passed or not execute or target.type != 'duckdb' -%}{{ return(passed) }}{%- endif -%}
  {%- set path = var('policy_path', '') -%}
  {%- if not path -%}{{ return({}) }}{%- endif -%}
  {%- set quoted = "'" ~ path | replace("'", "''") ~ "'" -%}
  {%- if run_query("select count(*) from glob(" ~ quoted ~ ")").columns[0].values()[0] == 0 -%}{{ return({}) }}{%- endif -%}
  {{ return(fromyaml(run_query("select content from read_text(" ~ quoted ~ ")").columns[0].values()[0]) or {}) }}
{%- endmacro %}

{#- The policy as destination-spectrum reads it (Policy.from_dict). -#}
{% macro tieout_policy() -%}
  {%- set doc = policy_document() -%}
  {%- set routing = doc.get('routing') or {} -%}
  {%- set compliance = doc.get('compliance') or {} -%}
  {%- set posting = doc.get('posting') or doc.get('posting_modes') or {} -%}
  {%- set overrides_raw = routing.get('job_type_overrides') or routing.get('overrides') or routing.get('by_job_type') or {} -%}
  {%- set overrides = {} -%}
  {%- for k, v in overrides_raw.items() -%}{%- do overrides.update({(k | string | trim | lower): (v | string | lower)}) -%}{%- endfor -%}
  {%- set modes_raw = posting.get('modes') or posting.get('by_job_type') or posting.get('job_types') or {} -%}
  {%- if not modes_raw -%}
    {%- set modes_raw = {} -%}
    {%- for k, v in posting.items() if k not in ('default_mode', 'default') -%}{%- do modes_raw.update({k: v}) -%}{%- endfor -%}
  {%- endif -%}
  {%- set modes = {} -%}
  {%- for k, v in modes_raw.items() -%}{%- do modes.update({(k | string | trim | lower): v}) -%}{%- endfor -%}
  {%- set progress = [] -%}
  {%- for t in (routing.get('progress_billed_job_types') or []) -%}{%- do progress.append(t | string | trim | lower) -%}{%- endfor -%}
  {%- set grace = compliance.get('coi_grace_days', compliance.get('grace_days', 0)) or 0 -%}
  {{ return({
      'progress_billed_job_types': progress,
      'job_type_overrides': overrides,
      'require_coi': compliance.get('require_coi', true),
      'require_lien_waiver': compliance.get('require_lien_waiver', true),
      'require_w9': compliance.get('require_w9', true),
      'coi_grace_days': grace | int,
      'default_mode': posting.get('default_mode') or posting.get('default') or 'detail',
      'modes': modes,
  }) }}
{%- endmacro %}

{#- Policy as SQL expressions over a job type column (case-insensitive, as the connector compares). -#}
{% macro policy_route_override(job_type_expr) -%}
  {%- set p = tieout_policy() -%}
  {%- if p.job_type_overrides | length == 0 -%}cast(null as {{ dbt.type_string() }})
  {%- else -%}
  case lower(trim({{ job_type_expr }}))
  {%- for k, v in p.job_type_overrides.items() %} when '{{ k | replace("'", "''") }}' then '{{ v }}'{% endfor %}
  end
  {%- endif -%}
{%- endmacro %}

{% macro policy_is_progress_billed_type(job_type_expr) -%}
  {%- set p = tieout_policy() -%}
  coalesce(lower(trim({{ job_type_expr }})) in {{ sql_list(p.progress_billed_job_types) }}, false)
{%- endmacro %}

{% macro policy_posting_mode(job_type_expr) -%}
  {%- set p = tieout_policy() -%}
  {%- if p.modes | length == 0 -%}'{{ p.default_mode }}'
  {%- else -%}
  coalesce(case lower(trim({{ job_type_expr }}))
  {%- for k, v in p.modes.items() %} when '{{ k | replace("'", "''") }}' then '{{ v }}'{% endfor %}
  end, '{{ p.default_mode }}')
  {%- endif -%}
{%- endmacro %}

{#- `dbt run-operation print_policy`: the policy as dbt reads it, as JSON (the agreement test reads it). -#}
{% macro print_policy() -%}
  {{ print(tojson(tieout_policy())) }}
{%- endmacro %}

{#- policy.yml's `close` section: the close's own windows, read by the exception rules only (destination-spectrum
    posts nothing by them). A key left out takes the default here, the one place it is set.
      close:
        payroll_cutoff_days: 5   # payroll_timing_gap: labor worked in the close period must be in Spectrum
                                 # payroll by the period's last day plus these days
        unbilled_visit_days: 5   # unbilled_work: a completed visit must be on an invoice within these days -#}
{% macro close_policy() -%}
  {%- set close = policy_document().get('close') or {} -%}
  {%- set out = {} -%}
  {%- for key, default in [('payroll_cutoff_days', 5), ('unbilled_visit_days', 5)] -%}
    {%- set value = close.get(key, default) -%}
    {%- if value is none or not (value | string | trim).lstrip('-').isdigit() -%}
      {{ exceptions.raise_compiler_error("policy.yml close." ~ key ~ " is '" ~ value ~ "'; use a whole number of days, e.g. " ~ key ~ ": " ~ default) }}
    {%- endif -%}
    {%- do out.update({key: value | int}) -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- The close's payroll cutoff: the last day of var('close_period') plus close.payroll_cutoff_days. -#}
{% macro payroll_cutoff_date() -%}
  cast({{ dbt.dateadd('day', close_policy().payroll_cutoff_days, close_period_end()) }} as date)
{%- endmacro %}
