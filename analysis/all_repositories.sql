-- Grants covering all repositories of the organization (`repository_selection = 'all'`),
-- including repositories created after the grant: the widest fine-grained access there is.
-- Dialect: DuckDB and PostgreSQL.
select
    org,
    id,
    owner ->> 'login' as owner_login,
    token_id,
    token_name,
    access_granted_at,
    token_expires_at,
    token_last_used_at
from pat_grants
where _sdc_deleted_at is null and repository_selection = 'all'
order by org, owner_login, id;
