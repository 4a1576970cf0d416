-- Grants whose token expires within `expiring_soon_days` (default 14) from now and has not
-- expired yet: renew or let go, before something stops working.
select
    {{ grant_identity() }},
    token_expires_at,
    {{ days_between(utc_now(), 'token_expires_at') }} as days_left,
    token_last_used_at
from {{ ref('current_grants') }}
where
    not is_expired
    and token_expires_at < {{ dbt.dateadd('day', var('expiring_soon_days', 14), utc_now()) }}
