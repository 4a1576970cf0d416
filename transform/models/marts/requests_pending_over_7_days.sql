-- Requests for token access that have waited more than 7 days for a review, with how many
-- repositories each asks for (`subset` requests only).
select
    q.request_key,
    q.org,
    q.request_id,
    q.owner_login,
    q.token_name,
    q.reason,
    q.repository_selection,
    (
        select count(*) from {{ ref('current_request_repositories') }} as rr
        where rr.request_key = q.request_key
    ) as repositories,
    q.created_at,
    {{ days_between('q.created_at', utc_now()) }} as days_waiting
from {{ ref('current_requests') }} as q
where q.created_at < {{ utc_now() }} - interval '7 days'
