-- Which tokens can write to repositories or administer the organization? One row per grant: the
-- repository permissions it can write (`write`/`admin`) and its organization `administration`
-- level when that is `write`/`admin`. Expired tokens stay in, marked by `is_expired`.
with repository_writes as (
    select grant_key, {{ dbt.listagg('permission', "', '", 'order by permission') }}
        as repository_write_permissions
    from {{ ref('current_grant_permissions') }}
    where kind = 'repository' and can_write
    group by grant_key
),

administration as (
    select grant_key, access as organization_administration
    from {{ ref('current_grant_permissions') }}
    where kind = 'organization' and permission = 'administration' and can_write
)

select
    g.grant_key,
    g.org,
    g.grant_id,
    g.owner_login,
    g.token_id,
    g.token_name,
    g.repository_selection,
    w.repository_write_permissions,
    a.organization_administration,
    g.is_expired,
    g.token_expires_at,
    g.token_last_used_at
from {{ ref('current_grants') }} as g
left join repository_writes as w on w.grant_key = g.grant_key
left join administration as a on a.grant_key = g.grant_key
where w.grant_key is not null or a.grant_key is not null
