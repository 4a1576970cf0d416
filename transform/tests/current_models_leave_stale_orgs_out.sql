-- A stale organization (org_inventory: no longer read) counts nowhere in the current state.
select g.grant_key as row_key
from {{ ref('current_grants') }} as g
inner join {{ ref('org_inventory') }} as i on i.org = g.org
where i.is_stale
union all
select r.request_key
from {{ ref('current_requests') }} as r
inner join {{ ref('org_inventory') }} as i on i.org = r.org
where i.is_stale
