-- Only `subset` grants have a repository list (an `all` grant reaches every repository).
select r.grant_repository_key
from {{ ref('current_grant_repositories') }} as r
inner join {{ ref('current_grants') }} as g on g.grant_key = r.grant_key
where g.repository_selection <> 'subset'
