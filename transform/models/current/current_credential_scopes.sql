-- One row per current credential authorization and OAuth scope it holds (classic PATs and
-- OAuth app tokens; SSH keys have none).
with scopes as (
    {{ array_elements(
        ref('current_credential_authorizations'), 'credential_key', 'scopes', 'scope') }}
)

select
    s.credential_key || '/' || s.scope as credential_scope_key,
    s.credential_key,
    c.org,
    c.credential_id,
    s.scope
from scopes as s
inner join {{ ref('current_credential_authorizations') }} as c
    on c.credential_key = s.credential_key
