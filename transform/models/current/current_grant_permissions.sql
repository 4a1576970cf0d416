-- One row per current grant and permission it holds (organization, repository, other).
with entries as (
    {{ permission_entries(ref('current_grants'), 'grant_key') }}
)

select
    grant_key || '/' || kind || '/' || permission as grant_permission_key,
    grant_key,
    org,
    kind,
    permission,
    access,
    access in ('write', 'admin') as can_write
from entries
