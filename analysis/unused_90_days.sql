-- Tokens unused for 90 days that still hold a grant: last used more than 90 days ago, or never
-- used and granted more than 90 days ago (the grant time is the earliest use GitHub could show).
-- Expired tokens are included (see `token_expired`); revoking their grants tidies the list.
-- Dialect: DuckDB and PostgreSQL.
select
    org,
    id,
    owner ->> 'login' as owner_login,
    token_id,
    token_name,
    token_last_used_at,
    access_granted_at,
    extract(day from (now() at time zone 'UTC') - coalesce(token_last_used_at, access_granted_at))
        as days_unused,
    token_expired,
    token_expires_at
from pat_grants
where
    _sdc_deleted_at is null
    and coalesce(token_last_used_at, access_granted_at)
    < (now() at time zone 'UTC') - interval '90 days'
order by days_unused desc, org, id;
