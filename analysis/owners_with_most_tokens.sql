-- Owners with the most tokens granted, across organizations (a fine-grained token belongs to one
-- organization, so one grant is one token), with how many never expire or cover every repository.
-- Dialect: DuckDB and PostgreSQL.
select
    owner ->> 'login' as owner_login,
    count(*) as tokens,
    count(distinct org) as organizations,
    count(*) filter (where token_expires_at is null) as never_expire,
    count(*) filter (where repository_selection = 'all') as all_repositories,
    max(token_last_used_at) as last_used_at
from pat_grants
where _sdc_deleted_at is null
group by owner ->> 'login'
order by tokens desc, owner_login
limit 20;
