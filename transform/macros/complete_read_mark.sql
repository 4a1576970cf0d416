{#- When an org's latest complete full read of a stream began, over its `sync_runs` rows: a
    run that read the stream whole ("full"), or completed a full read begun in an earlier run
    ("full (resumed)", whose mark is that first run's start, `<stream>_read_started_at`). -#}
{% macro complete_read_mark(stream) -%}
max(case when {{ stream }}_read in ('full', 'full (resumed)')
    then coalesce({{ stream }}_read_started_at, run_started_at) end)
{%- endmacro %}
