-- Pending requests as of each org's latest complete read of them (`pat_requests` is read whole
-- every run), plus rows seen since; a reviewed request leaves with the next complete read. A
-- stale org's requests are left out, as its grants are (org_inventory).
select
    r.request_key,
    r.org,
    r.request_id,
    r.owner_login,
    r.reason,
    r.repository_selection,
    r.permissions,
    r.token_id,
    r.token_name,
    r.token_expired,
    r.token_expires_at,
    r.created_at,
    r.extracted_at,
    i.requests_complete_as_of
from {{ ref('stg_pat_requests') }} as r
inner join {{ ref('org_inventory') }} as i on i.org = r.org
where
    not r.is_deleted
    and not i.is_stale
    and (i.requests_complete_as_of is null or r.extracted_at >= i.requests_complete_as_of)
