{#-
  Any stream selection that includes pat_grants builds: a staging model reads its table through
  `loaded_source(name)`, which selects the columns `_sources.yml` declares from the loaded table,
  or, when the loader never created it (its stream was not selected), from no rows at all with
  the same names and types. Every model downstream then builds and tests as usual (on no rows);
  the build after the stream is first loaded fills them. A new stream costs its `_sources.yml`
  entry and `from loaded_source('its_table')`, nothing else.
-#}
{% macro loaded_source(table_name) %}
  {#- source() on every call, even at parse time: it is what gives the model its lineage. -#}
  {%- set relation = source('github_pat_grants', table_name) -%}
  {%- set columns = declared_columns(table_name) -%}
  {#- Quoted: the audit log's `@timestamp` needs it, and `user` is a keyword in PostgreSQL. -#}
  {%- if source_exists(relation) -%}
    (select
    {%- for column in columns %}
        {{ adapter.quote(column.name) }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ relation }}) as {{ table_name }}
  {%- else -%}
    (select
    {%- for column in columns %}
        cast(null as {{ portable_type(column.data_type) }})
            as {{ adapter.quote(column.name) }}{{ ',' if not loop.last }}
    {%- endfor %}
    where 1 = 0) as {{ table_name }}
  {%- endif -%}
{% endmacro %}

{#- Does the loader's table exist? Always "yes" at parse time (nothing is read then). -#}
{% macro source_exists(relation) %}
  {%- if not execute -%}
    {{ return(true) }}
  {%- endif -%}
  {%- set found = adapter.get_relation(
      database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
  {{ return(found is not none) }}
{% endmacro %}

{#- The columns `_sources.yml` declares for a table of this project's source. -#}
{% macro declared_columns(table_name) %}
  {%- if not execute -%}
    {{ return([]) }}
  {%- endif -%}
  {%- for node in graph.sources.values() -%}
    {%- if node.source_name == 'github_pat_grants' and node.name == table_name -%}
      {{ return(node.columns.values() | list) }}
    {%- endif -%}
  {%- endfor -%}
  {{ exceptions.raise_compiler_error("no source table " ~ table_name ~ " in _sources.yml") }}
{% endmacro %}

{#- A declared type (text, bigint, boolean, timestamp, json, text_array) in this warehouse's
    words. -#}
{% macro portable_type(name) %}
  {%- set types = {
      'text': dbt.type_string(),
      'bigint': dbt.type_bigint(),
      'boolean': dbt.type_boolean(),
      'timestamp': dbt.type_timestamp(),
      'json': json_type(),
      'text_array': text_array_type(),
  } -%}
  {%- if name not in types -%}
    {{ exceptions.raise_compiler_error("_sources.yml: unknown data_type " ~ name) }}
  {%- endif -%}
  {{ return(types[name]) }}
{% endmacro %}

{#- The JSON column type the loaders write: the one dialect-specific bit here. -#}
{% macro json_type() %}
  {{ return(adapter.dispatch('json_type', 'github_pat_grants')()) }}
{% endmacro %}

{% macro default__json_type() %}{{ return('jsonb') }}{% endmacro %}

{% macro duckdb__json_type() %}{{ return('json') }}{% endmacro %}

{#- A JSON array of strings as the loaders write it (e.g. a classic token's `scopes`):
    target-postgres makes it `text[]`, target-duckdb a JSON column. -#}
{% macro text_array_type() %}
  {{ return(adapter.dispatch('text_array_type', 'github_pat_grants')()) }}
{% endmacro %}

{% macro default__text_array_type() %}{{ return('text[]') }}{% endmacro %}

{% macro duckdb__text_array_type() %}{{ return('json') }}{% endmacro %}
