-- Grants covering every repository of the organization (`repository_selection = 'all'`),
-- including repositories created after the grant: the widest fine-grained access there is.
select
    grant_key, org, grant_id, owner_login, token_id, token_name,
    access_granted_at, is_expired, token_expires_at, token_last_used_at
from {{ ref('current_grants') }}
where repository_selection = 'all'
