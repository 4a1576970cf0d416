-- In an org whose audit log was read, every current grant's token has its timeline row, and a
-- row is current exactly when its present state is "granted".
select g.grant_key as row_key
from {{ ref('current_grants') }} as g
inner join {{ ref('org_inventory') }} as i on i.org = g.org
left join {{ ref('grant_timeline') }} as t on t.org = g.org and t.token_id = g.token_id
where i.audit_events_read_at is not null and t.token_key is null
union all
select token_key
from {{ ref('grant_timeline') }}
where is_current <> (present_state = 'granted')
