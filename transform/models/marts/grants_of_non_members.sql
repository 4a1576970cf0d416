-- Grants whose owner is not a member of the organization now (they left, or were never more than
-- an outside collaborator): GitHub keeps a leaver's grants and only marks the tokens inactive.
-- Matched on the user id (a login can be renamed). Only organizations whose member list was read
-- whole (`org_members` selected and its read complete): elsewhere nobody can tell.
select
    g.grant_key,
    g.org,
    g.grant_id,
    g.owner_login,
    g.owner_id,
    g.token_id,
    g.token_name,
    g.repository_selection,
    g.access_granted_at,
    g.token_last_used_at,
    g.is_expired,
    g.token_expires_at
from {{ ref('current_grants') }} as g
inner join {{ ref('org_inventory') }} as i on i.org = g.org
left join {{ ref('current_org_members') }} as m on m.org = g.org and m.member_id = g.owner_id
where i.members_complete_as_of is not null and m.member_key is null
