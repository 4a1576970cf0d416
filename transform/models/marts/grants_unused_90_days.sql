-- Tokens unused for 90 days that still hold a grant: last used more than 90 days ago, or never
-- used and granted more than 90 days ago (the grant time is the earliest use GitHub could show).
select
    {{ grant_identity() }},
    token_last_used_at,
    access_granted_at,
    {{ days_between('coalesce(token_last_used_at, access_granted_at)', utc_now()) }} as days_unused,
    is_expired,
    token_expires_at
from {{ ref('current_grants') }}
where coalesce(token_last_used_at, access_granted_at) < {{ utc_now() }} - interval '90 days'
