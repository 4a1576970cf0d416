-- Grants whose owner is an organization owner (`role = 'admin'`): an owner's token needs no
-- approval, so nobody reviewed these. Matched on the user id.
select
    {{ grant_columns('g') }}
from {{ ref('current_grants') }} as g
inner join {{ ref('current_org_members') }} as m on m.org = g.org and m.member_id = g.owner_id
where m.role = 'admin'
