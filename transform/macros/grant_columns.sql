{#- The columns a mart lists for each grant it names (who owns it, what it reaches, its expiry),
    from `current_grants` under `alias`. -#}
{% macro grant_columns(alias) -%}
    {{ alias }}.grant_key,
    {{ alias }}.org,
    {{ alias }}.grant_id,
    {{ alias }}.owner_login,
    {{ alias }}.owner_id,
    {{ alias }}.token_id,
    {{ alias }}.token_name,
    {{ alias }}.repository_selection,
    {{ alias }}.access_granted_at,
    {{ alias }}.token_last_used_at,
    {{ alias }}.is_expired,
    {{ alias }}.token_expires_at
{%- endmacro %}
