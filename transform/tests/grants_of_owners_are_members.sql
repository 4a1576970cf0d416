-- An owner's grant is a member's grant: no grant is both an owner's and a non-member's.
select o.grant_key
from {{ ref('grants_of_org_owners') }} as o
inner join {{ ref('grants_of_non_members') }} as n on n.grant_key = o.grant_key
