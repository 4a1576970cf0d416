{#
  Which repositories each grant reached, and since when: with `grants_snapshot` (its
  permissions over time) this answers "when did token X gain write on repository Y".
#}
{% snapshot grant_repositories_snapshot %}
{{
    config(
        unique_key='grant_repository_key',
        strategy='check',
        check_cols=['repository_full_name', 'is_archived'],
        hard_deletes='invalidate',
    )
}}
select
    grant_repository_key,
    grant_key,
    org,
    grant_id,
    repository_id,
    repository_full_name,
    is_archived
from {{ ref('current_grant_repositories') }}
{% endsnapshot %}
