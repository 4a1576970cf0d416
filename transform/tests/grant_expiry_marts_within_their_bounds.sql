-- Expiring soon: not expired, within `expiring_soon_days`; over the lifetime policy: longer than
-- `max_token_lifetime_days`, or never expiring.
select grant_key
from {{ ref('grants_expiring_soon') }}
where days_left < 0 or days_left > {{ var('expiring_soon_days', 14) }}
union all
select grant_key
from {{ ref('grants_over_lifetime_policy') }}
where
    (token_expires_at is null) <> (reason = 'never expires')
    or lifetime_days < {{ var('max_token_lifetime_days', 366) }}
