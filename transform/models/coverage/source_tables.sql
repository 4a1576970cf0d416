-- Which of the tap's tables the loader has created, as of this build: a table that is not loaded
-- belongs to a stream never selected, and the models that need it are empty (macros/sources.sql).
-- The report says so instead of showing an empty section as if nothing were there.
{%- set tables = [] -%}
{%- if execute -%}
  {%- for node in graph.sources.values() if node.source_name == 'github_pat_grants' -%}
    {%- do tables.append(node) -%}
  {%- endfor -%}
{%- endif %}
{% for node in tables | sort(attribute='name') %}
select
    '{{ node.name }}' as source_table,
    {{ 'true' if source_exists(api.Relation.create(
        database=node.database, schema=node.schema, identifier=node.identifier)) else 'false' }}
        as is_loaded
{% if not loop.last %}union all{% endif %}
{%- else %}
select cast(null as {{ dbt.type_string() }}) as source_table, false as is_loaded
{%- endfor %}
