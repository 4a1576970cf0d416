{# Now in UTC, zone-less: the loaders store every timestamp that way. #}
{% macro utc_now() -%}
  (now() at time zone 'UTC')
{%- endmacro %}

{# A JSON column as text, e.g. to compare permission maps between snapshots. #}
{% macro json_text(column) -%}
  cast({{ column }} as {{ dbt.type_string() }})
{%- endmacro %}

{# Whole days between two timestamps (b - a). #}
{% macro days_between(a, b) -%}
  {{ dbt.datediff(a, b, 'day') }}
{%- endmacro %}
