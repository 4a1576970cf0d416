{#- Which grant, whose token: the columns every grant mart starts with, from `current_grants`
    (under `alias`, when the mart joins). -#}
{% macro grant_identity(alias=none) -%}
    {%- set p = alias ~ '.' if alias else '' -%}
    {{ p }}grant_key,
    {{ p }}org,
    {{ p }}grant_id,
    {{ p }}owner_login,
    {{ p }}token_id,
    {{ p }}token_name
{%- endmacro %}

{#- The columns a mart lists for each grant it names (who owns it, what it reaches, its expiry),
    from `current_grants` under `alias`. -#}
{% macro grant_columns(alias) -%}
    {{ grant_identity(alias) }},
    {{ alias }}.owner_id,
    {{ alias }}.repository_selection,
    {{ alias }}.access_granted_at,
    {{ alias }}.token_last_used_at,
    {{ alias }}.is_expired,
    {{ alias }}.token_expires_at
{%- endmacro %}

{#- `case column when 'key' then 'value' ... end` for a mapping of column values. -#}
{% macro case_map(column, mapping) -%}
    case {{ column }}
        {%- for key, value in mapping.items() %}
        when '{{ key }}' then '{{ value }}'
        {%- endfor %}
    end
{%- endmacro %}
