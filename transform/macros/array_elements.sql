{#
  One row per (key, element) of a `text_array` column (macros/sources.sql): `text[]` in
  PostgreSQL, a JSON array in DuckDB. The one dialect-specific piece of reading such a column;
  a row whose array is empty or null gives no rows.
#}
{% macro array_elements(relation, key_column, array_column, element_name) %}
  {{ return(adapter.dispatch('array_elements', 'github_pat_grants')(
      relation, key_column, array_column, element_name)) }}
{% endmacro %}

{% macro default__array_elements(relation, key_column, array_column, element_name) %}
    select t.{{ key_column }}, e.element as {{ element_name }}
    from {{ relation }} as t
    cross join lateral unnest(t.{{ array_column }}) as e (element)
{% endmacro %}

{% macro duckdb__array_elements(relation, key_column, array_column, element_name) %}
    select {{ key_column }}, {{ element_name }}
    from (
        select {{ key_column }}, unnest(cast({{ array_column }} as varchar[])) as {{ element_name }}
        from {{ relation }}
    )
{% endmacro %}
