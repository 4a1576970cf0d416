{#
  One row per (org, grant or request, kind, permission, access) of a `permissions` JSON column:
  GitHub's open-ended map {"organization": {NAME: LEVEL}, "repository": {...}, "other": {...}}.
  The one dialect-specific piece of the project: walking a JSON object's keys.
#}
{% macro permission_entries(relation, id_column) %}
  {{ return(adapter.dispatch('permission_entries', 'github_pat_grants')(relation, id_column)) }}
{% endmacro %}

{% macro default__permission_entries(relation, id_column) %}
  {% for kind in ['organization', 'repository', 'other'] %}
    select t.org, t.{{ id_column }}, '{{ kind }}' as kind, p.key as permission, p.value as access
    from {{ relation }} as t
    cross join lateral jsonb_each_text(t.permissions -> '{{ kind }}') as p (key, value)
    {% if not loop.last %}union all{% endif %}
  {% endfor %}
{% endmacro %}

{% macro duckdb__permission_entries(relation, id_column) %}
  {% for kind in ['organization', 'repository', 'other'] %}
    select org, {{ id_column }}, '{{ kind }}' as kind, entry.key as permission, entry.value as access
    from (
      select
        org,
        {{ id_column }},
        unnest(map_entries(cast(permissions -> '{{ kind }}' as map(varchar, varchar)))) as entry
      from {{ relation }}
    )
    {% if not loop.last %}union all{% endif %}
  {% endfor %}
{% endmacro %}
