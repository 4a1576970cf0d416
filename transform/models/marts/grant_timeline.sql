-- Per fine-grained token (`token_id` = `pat_grants.token_id`), from the org audit log: when it
-- was requested and by whom, granted and by whom (the `actor` of
-- `personal_access_token.access_granted`: an approver, the owner for an org owner's token, or an
-- App through the API: `granted_through` names the acting credential), and revoked, denied or
-- cancelled; joined to its present state. The latest event of each kind counts (a token
-- revoked and granted again shows both). A denial or cancellation may name only the request:
-- its token is the one the request named. Tokens of a current grant that no event reaches (the
-- audit log keeps 180 days) are listed too, with `audit_events = 0`, in the orgs whose audit log
-- was read; without `pat_audit_events` the model is empty.
{%- set steps = {
    'personal_access_token.request_created': 'requested',
    'personal_access_token.access_granted': 'granted',
    'personal_access_token.access_revoked': 'revoked',
    'personal_access_token.request_denied': 'denied',
    'personal_access_token.request_cancelled': 'cancelled',
} %}
with events as (
    select
        e.*,
        {{ case_map('e.action', steps) }} as step
    from {{ ref('stg_pat_audit_events') }} as e
    where e.action in ('{{ steps.keys() | join("', '") }}')
),

request_tokens as (
    select org, request_id, max(token_id) as token_id
    from events
    where request_id is not null and token_id is not null
    group by org, request_id
),

lifecycle as (
    select
        e.*,
        coalesce(e.token_id, r.token_id) as subject_token_id,
        row_number() over (
            partition by e.org, coalesce(e.token_id, r.token_id), e.step
            order by e.occurred_at desc, e.event_id desc
        ) as recency,
        row_number() over (
            partition by e.org, coalesce(e.token_id, r.token_id)
            order by e.occurred_at desc, e.event_id desc
        ) as overall_recency
    from events as e
    left join request_tokens as r on r.org = e.org and r.request_id = e.request_id
    where coalesce(e.token_id, r.token_id) is not null
),

audited_orgs as (
    select org from {{ ref('org_inventory') }} where audit_events_read_at is not null
    union
    select org from events
),

tokens as (
    select org, subject_token_id as token_id from lifecycle
    union
    select g.org, g.token_id
    from {{ ref('current_grants') }} as g
    inner join audited_orgs as a on a.org = g.org
),

per_token as (
    select
        t.org,
        t.token_id,
        count(l.event_id) as audit_events,
        {%- for step in ['requested', 'granted', 'revoked', 'denied', 'cancelled'] %}
        max(case when l.step = '{{ step }}' and l.recency = 1 then l.occurred_at end)
            as {{ step }}_at,
        max(case when l.step = '{{ step }}' and l.recency = 1 then l.actor end)
            as {{ step }}_by,
        {%- endfor %}
        max(case when l.step = 'granted' and l.recency = 1 then l.acting_credential_type end)
            as granted_through,
        max(case when l.step = 'requested' and l.recency = 1 then l.request_id end)
            as request_id,
        max(case when l.overall_recency = 1 then l.step end) as last_step,
        max(case when l.overall_recency = 1 then l.occurred_at end) as last_event_at,
        max(case when l.overall_recency = 1 then l.user_login end) as owner_login_in_log,
        max(case when l.overall_recency = 1 then l.token_name end) as token_name_in_log
    from tokens as t
    left join lifecycle as l on l.org = t.org and l.subject_token_id = t.token_id
    group by t.org, t.token_id
),

present as (
    select
        p.*,
        coalesce(g.token_name, q.token_name, p.token_name_in_log) as token_name,
        coalesce(g.owner_login, q.owner_login, p.owner_login_in_log) as owner_login,
        case
            when i.is_stale then 'unknown: org no longer read'
            when g.grant_key is not null then 'granted'
            when q.request_key is not null then 'pending request'
            else 'no access'
        end as present_state,
        g.grant_key,
        g.grant_id,
        g.access_granted_at,
        g.is_expired
    from per_token as p
    left join {{ ref('current_grants') }} as g on g.org = p.org and g.token_id = p.token_id
    left join {{ ref('current_requests') }} as q on q.org = p.org and q.token_id = p.token_id
    left join {{ ref('org_inventory') }} as i on i.org = p.org
)

select
    org || '/' || cast(token_id as {{ dbt.type_string() }}) as token_key,
    org,
    token_id,
    token_name,
    owner_login,
    present_state,
    grant_key is not null as is_current,
    grant_key,
    grant_id,
    access_granted_at,
    is_expired,
    requested_at,
    requested_by,
    request_id,
    granted_at,
    granted_by,
    granted_through,
    granted_by = owner_login as self_granted,
    revoked_at,
    revoked_by,
    denied_at,
    denied_by,
    cancelled_at,
    last_step,
    last_event_at,
    audit_events
from present
