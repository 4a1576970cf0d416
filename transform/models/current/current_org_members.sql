-- The org's members now (owners have `role = 'admin'`): the same rule as `current_grants`. The
-- list is read whole each run, so per org: the rows of its latest complete full read plus rows
-- seen since; a member who left drops out at the next complete read. None of a stale org's.
select
    m.member_key,
    m.org,
    m.member_id,
    m.login,
    m.role,
    m.role = 'admin' as is_owner,
    m.account_type,
    m.is_site_admin,
    m.extracted_at,
    i.members_complete_as_of
from {{ ref('stg_org_members') }} as m
inner join {{ ref('org_inventory') }} as i on i.org = m.org
where
    not m.is_deleted
    and not i.is_stale
    and (i.members_complete_as_of is null or m.extracted_at >= i.members_complete_as_of)
