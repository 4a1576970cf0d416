-- Which repositories can token X write to (`where token_id = X`)? One row per (grant,
-- repository) with the repository permissions it can write; a grant covering all repositories
-- gives one row, `(every repository in ORG)`: the tap does not list an org's repositories.
-- Archived repositories are read-only whatever the token says (`is_archived`).
with writes as (
    select grant_key, {{ dbt.listagg('permission', "', '", 'order by permission') }}
        as write_permissions
    from {{ ref('current_grant_permissions') }}
    where kind = 'repository' and can_write
    group by grant_key
)

select
    g.grant_key || '/' || coalesce(cast(r.repository_id as {{ dbt.type_string() }}), '*')
        as grant_repository_key,
    g.org,
    g.token_id,
    g.token_name,
    g.owner_login,
    g.grant_id,
    coalesce(r.repository_full_name, '(every repository in ' || g.org || ')') as repository,
    r.is_archived,
    w.write_permissions,
    g.is_expired
from {{ ref('current_grants') }} as g
inner join writes as w on w.grant_key = g.grant_key
left join {{ ref('current_grant_repositories') }} as r on r.grant_key = g.grant_key
where
    (g.repository_selection = 'all' and r.grant_key is null)
    or (g.repository_selection = 'subset' and r.grant_key is not null)
