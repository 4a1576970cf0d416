-- The credentials (classic PATs, SSH keys, OAuth app tokens) members have authorized for the
-- org's SAML single sign-on now: the same rule as `current_grants`. The list is read whole each
-- run, so per org: the rows of its latest complete full read plus rows seen since, never a row
-- a loader marked deleted (a revoked authorization); none of a stale org's.
select
    c.credential_key,
    c.org,
    c.credential_id,
    c.login,
    c.credential_type,
    c.token_last_eight,
    c.credential_authorized_at,
    c.credential_accessed_at,
    c.scopes,
    c.fingerprint,
    c.authorized_credential_id,
    c.authorized_credential_title,
    c.authorized_credential_note,
    c.authorized_credential_expires_at,
    coalesce(c.authorized_credential_expires_at < {{ utc_now() }}, false) as is_expired,
    c.extracted_at,
    i.credential_authorizations_complete_as_of
from {{ ref('stg_credential_authorizations') }} as c
inner join {{ ref('org_inventory') }} as i on i.org = c.org
where
    not c.is_deleted
    and not i.is_stale
    and (
        i.credential_authorizations_complete_as_of is null
        or c.extracted_at >= i.credential_authorizations_complete_as_of
    )
