-- Grants whose owner is not a member of the organization now (they left, or were never more than
-- an outside collaborator): GitHub keeps a leaver's grants and only marks the tokens inactive.
-- Matched on the user id (a login can be renamed). Only organizations whose member list was read
-- whole (`org_members` selected and its read complete): elsewhere nobody can tell.
select
    {{ grant_columns('g') }}
from {{ ref('current_grants') }} as g
inner join {{ ref('org_inventory') }} as i on i.org = g.org
left join {{ ref('current_org_members') }} as m on m.org = g.org and m.member_id = g.owner_id
where i.members_complete_as_of is not null and m.member_key is null
