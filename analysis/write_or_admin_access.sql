-- Tokens with write access to repositories or to organization administration.
-- One row per grant: the repository permissions it can write (GitHub levels `write`/`admin`)
-- and its organization `administration` level, when that is `write`/`admin`.
-- Dialect: DuckDB (PostgreSQL: analysis/postgres/write_or_admin_access.sql).
with repository_permission as (
    select org, id, entry.key as permission, entry.value as access
    from (
        select
            org,
            id,
            unnest(map_entries(cast(permissions -> 'repository' as map(varchar, varchar)))) as entry
        from pat_grants
        where _sdc_deleted_at is null
    )
),

repository_writes as (
    select org, id, string_agg(permission, ', ' order by permission) as repository_write_permissions
    from repository_permission
    where access in ('write', 'admin')
    group by org, id
)

select
    g.org,
    g.id,
    g.owner ->> 'login' as owner_login,
    g.token_id,
    g.token_name,
    g.repository_selection,
    w.repository_write_permissions,
    g.permissions -> 'organization' ->> 'administration' as organization_administration,
    g.token_expires_at,
    g.token_last_used_at
from pat_grants as g
left join repository_writes as w on w.org = g.org and w.id = g.id
where
    g._sdc_deleted_at is null
    and (
        w.id is not null
        or (g.permissions -> 'organization' ->> 'administration') in ('write', 'admin')
    )
order by g.org, owner_login, g.id;
