-- The grants GitHub lists now, as far as the warehouse knows, per organization: the rows of that
-- org's latest complete full read plus rows seen by later (incremental) runs. Right in every
-- loader: target-postgres marks rows deleted on ACTIVATE_VERSION (`is_deleted`), target-duckdb
-- ignores it, and jobs that load orgs separately (versioning off) delete nothing; the per-org
-- mark from `sync_runs` covers all three. An org never read whole yet keeps every row it has;
-- a stale org (org_inventory: no longer read) has none here, so totals count only what was read.
select
    g.grant_key,
    g.org,
    g.grant_id,
    g.owner_login,
    g.owner_id,
    g.repository_selection,
    g.permissions,
    g.token_id,
    g.token_name,
    g.token_expired or coalesce(g.token_expires_at < {{ utc_now() }}, false) as is_expired,
    g.token_expired,
    g.token_expires_at,
    g.token_last_used_at,
    g.access_granted_at,
    g.extracted_at,
    i.grants_complete_as_of
from {{ ref('stg_pat_grants') }} as g
inner join {{ ref('org_inventory') }} as i on i.org = g.org
where
    not g.is_deleted
    and not i.is_stale
    and (i.grants_complete_as_of is null or g.extracted_at >= i.grants_complete_as_of)
