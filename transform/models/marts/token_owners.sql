-- Owners by how many tokens they hold granted, across organizations (a fine-grained token belongs
-- to one organization, so one grant is one token); `tokens_rank` 1 holds the most.
select
    owner_login,
    count(*) as tokens,
    count(distinct org) as organizations,
    sum(case when token_expires_at is null then 1 else 0 end) as never_expire,
    sum(case when repository_selection = 'all' then 1 else 0 end) as all_repositories,
    max(token_last_used_at) as last_used_at,
    rank() over (order by count(*) desc) as tokens_rank
from {{ ref('current_grants') }}
group by owner_login
