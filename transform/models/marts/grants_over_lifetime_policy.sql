-- Grants whose token lives longer than the policy allows: it expires more than
-- `max_token_lifetime_days` (default 366: a year) after the grant, or never. The
-- grant is the earliest instant the warehouse knows for a token (GitHub does not list its
-- creation). `--vars '{max_token_lifetime_days: 90}'` for a stricter policy.
select
    {{ grant_identity() }},
    access_granted_at,
    token_expires_at,
    {{ days_between('access_granted_at', 'token_expires_at') }} as lifetime_days,
    case when token_expires_at is null then 'never expires' else 'expires too late' end
        as reason,
    is_expired
from {{ ref('current_grants') }}
where
    token_expires_at is null
    or token_expires_at
    > {{ dbt.dateadd('day', var('max_token_lifetime_days', 366), 'access_granted_at') }}
