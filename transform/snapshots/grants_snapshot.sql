{#
  Each grant's history: one row per version of its permissions, repository selection, expiry,
  name and owner (`dbt_valid_from` .. `dbt_valid_to`). A grant that leaves `current_grants`
  (revoked, once a complete full read confirms it) gets `dbt_valid_to` set at that build:
  "when was it revoked" is `max(dbt_valid_to)` of a grant with no current row.
#}
{% snapshot grants_snapshot %}
{{
    config(
        unique_key='grant_key',
        strategy='check',
        check_cols=[
            'repository_selection', 'permissions_text', 'token_expired', 'token_expires_at',
            'token_name', 'owner_login',
        ],
        hard_deletes='invalidate',
    )
}}
select
    grant_key,
    org,
    grant_id,
    token_id,
    token_name,
    owner_login,
    repository_selection,
    {{ json_text('permissions') }} as permissions_text,
    token_expired,
    token_expires_at,
    access_granted_at
from {{ ref('current_grants') }}
{% endsnapshot %}
