-- The repositories each current `subset` request asks for (same rule as grants' repositories).
with requests as (
    select * from {{ ref('current_requests') }} where repository_selection = 'subset'
),

repositories as (
    select r.*
    from {{ ref('stg_pat_request_repositories') }} as r
    inner join requests as q on q.request_key = r.request_key
    where
        not r.is_deleted
        and (q.requests_complete_as_of is null or r.extracted_at >= q.requests_complete_as_of)
),

latest as (
    select request_key, max(extracted_at) as last_read_at from repositories group by request_key
)

select
    r.request_repository_key,
    r.request_key,
    r.org,
    r.request_id,
    r.repository_id,
    r.repository_full_name,
    r.repository_name,
    r.is_private,
    r.is_archived,
    r.extracted_at
from repositories as r
inner join requests as q on q.request_key = r.request_key
inner join latest as l on l.request_key = r.request_key
where r.extracted_at >= q.extracted_at or l.last_read_at < q.extracted_at
