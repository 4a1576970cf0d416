-- A current grant extracted before its org's latest complete full read was not listed by it:
-- it must not count as current.
select g.grant_key
from {{ ref('current_grants') }} as g
inner join {{ ref('org_inventory') }} as i on i.org = g.org
where g.extracted_at < i.grants_complete_as_of
