-- Tokens with write access to repositories or to organization administration.
-- One row per grant: the repository permissions it can write (GitHub levels `write`/`admin`)
-- and its organization `administration` level, when that is `write`/`admin`.
-- Dialect: PostgreSQL (jsonb columns, as target-postgres loads nested objects).
with repository_writes as (
    select g.org, g.id, string_agg(p.key, ', ' order by p.key) as repository_write_permissions
    from pat_grants as g
    cross join lateral jsonb_each_text(g.permissions -> 'repository') as p (key, value)
    where g._sdc_deleted_at is null and p.value in ('write', 'admin')
    group by g.org, g.id
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
