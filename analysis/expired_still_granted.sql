-- Expired tokens that still hold a grant: GitHub says `token_expired`, or the expiry has passed
-- since the last sync. An expired token cannot be used, but its grant is clutter to revoke.
-- Dialect: DuckDB and PostgreSQL.
select
    org,
    id,
    owner ->> 'login' as owner_login,
    token_id,
    token_name,
    token_expires_at,
    token_last_used_at,
    access_granted_at
from pat_grants
where
    _sdc_deleted_at is null
    and (token_expired or token_expires_at < (now() at time zone 'UTC'))
order by token_expires_at, org, id;
