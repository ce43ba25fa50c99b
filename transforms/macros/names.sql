{#- Upper-case letters and digits only: 'Summit Properties, LLC' and 'SUMMIT PROPERTIES LLC' agree. -#}
{% macro normalised_name(expr) -%}
  regexp_replace(upper(coalesce(cast({{ expr }} as {{ dbt.type_string() }}), '')), '[^A-Z0-9]', '', 'g')
{%- endmacro %}
