-- Every credential at risk has a reason, its reason flags fit its type, and each broad scope it
-- is listed for is one of its scopes.
select r.credential_key
from {{ ref('classic_credentials_at_risk') }} as r
where
    not (r.has_broad_scopes or r.never_expires or r.never_used or r.unused_90_days)
    or (r.credential_type = 'SSH key' and (r.has_broad_scopes or r.never_expires))
    or (r.credential_type = 'personal access token' and r.never_used)
    or (r.has_broad_scopes and r.broad_scopes is null)
union all
select r.credential_key
from {{ ref('classic_credentials_at_risk') }} as r
where
    r.has_broad_scopes
    and not exists (
        select 1 from {{ ref('current_credential_scopes') }} as s
        where s.credential_key = r.credential_key and (s.scope = 'repo' or s.scope like 'admin:%'
            or s.scope in ('write:packages', 'delete_repo'))
    )
