-- Which repositories can token X write to? Set the token id in `wanted` below (NULL lists every
-- token). One row per (token, repository) with the repository permissions it can write; a grant
-- covering all repositories gives one row, `(every repository in ORG)`: the tap does not list an
-- organization's repositories. Archived repositories are read-only whatever the token says.
-- Dialect: DuckDB (PostgreSQL: analysis/postgres/token_writable_repositories.sql).
with wanted as (
    select cast(null as bigint) as token_id  -- e.g. select 90012345 as token_id
),

grant_writes as (
    select org, id, string_agg(entry.key, ', ' order by entry.key) as write_permissions
    from (
        select
            org,
            id,
            unnest(map_entries(cast(permissions -> 'repository' as map(varchar, varchar)))) as entry
        from pat_grants
        where _sdc_deleted_at is null
    )
    where entry.value in ('write', 'admin')
    group by org, id
)

select
    g.org,
    g.token_id,
    g.token_name,
    g.owner ->> 'login' as owner_login,
    g.id as grant_id,
    coalesce(r.full_name, '(every repository in ' || g.org || ')') as repository,
    r.archived,
    w.write_permissions
from pat_grants as g
cross join wanted
inner join grant_writes as w on w.org = g.org and w.id = g.id
left join pat_grant_repositories as r
    on g.repository_selection = 'subset'
    and r.org = g.org and r.pat_id = g.id and r._sdc_deleted_at is null
where
    g._sdc_deleted_at is null
    and (wanted.token_id is null or g.token_id = wanted.token_id)
    and (g.repository_selection = 'all' or r.full_name is not null)
order by g.org, g.token_id, repository;
