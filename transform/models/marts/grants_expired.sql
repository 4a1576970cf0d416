-- Expired tokens that still hold a grant (GitHub's `token_expired`, or the expiry has passed
-- since the last sync). An expired token cannot be used; its grant is clutter to revoke.
select
    grant_key, org, grant_id, owner_login, token_id, token_name,
    token_expires_at, token_last_used_at, access_granted_at
from {{ ref('current_grants') }}
where is_expired
