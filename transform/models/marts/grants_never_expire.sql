-- Tokens that never expire (no `token_expires_at`): candidates for an expiry policy.
select
    grant_key, org, grant_id, owner_login, token_id, token_name,
    repository_selection, access_granted_at, token_last_used_at
from {{ ref('current_grants') }}
where token_expires_at is null
