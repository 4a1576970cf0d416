-- Grants whose owner is an organization owner (`role = 'admin'`): an owner's token needs no
-- approval, so nobody reviewed these. Matched on the user id.
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
inner join {{ ref('current_org_members') }} as m on m.org = g.org and m.member_id = g.owner_id
where m.role = 'admin'
