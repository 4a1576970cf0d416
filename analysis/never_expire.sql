-- Tokens that never expire (no `token_expires_at`): candidates for an expiry policy.
-- Dialect: DuckDB and PostgreSQL.
select
    org,
    id,
    owner ->> 'login' as owner_login,
    token_id,
    token_name,
    repository_selection,
    access_granted_at,
    token_last_used_at
from pat_grants
where _sdc_deleted_at is null and token_expires_at is null
order by access_granted_at, org, id;
