-- Every grant listed as write/admin holds a write or admin permission, and every grant holding
-- one on repositories or organization administration is listed.
with writers as (
    select distinct grant_key from {{ ref('current_grant_permissions') }}
    where can_write and (kind = 'repository' or permission = 'administration')
)

select coalesce(w.grant_key, l.grant_key) as grant_key
from writers as w
full outer join {{ ref('grants_write_or_admin') }} as l on l.grant_key = w.grant_key
where w.grant_key is null or l.grant_key is null
