-- The organization's fine-grained token policy over time, one row per change: access
-- restriction on/off, the maximum token lifetime set (`token_expiration_days`, with the
-- previous limit and whether owners are exempt) or unset, and the auto-approval of requests
-- on/off. GitHub records the auto-approve switch under two names
-- (`personal_access_token.auto_approve_grant_requests_enabled/disabled` and
-- `auto_approve_personal_access_token_requests.enable/disable`): both map to one meaning, read
-- from the action's NAME (GitHub's descriptions of one pair look swapped). `is_latest`: the
-- setting in force now, as far as the audit log (180 days) shows.
{%- set changes = {
    'personal_access_token.access_restriction_enabled': ('access_restriction', 'on'),
    'personal_access_token.access_restriction_disabled': ('access_restriction', 'off'),
    'personal_access_token.expiration_limit_set': ('expiration_limit', 'on'),
    'personal_access_token.expiration_limit_unset': ('expiration_limit', 'off'),
    'personal_access_token.auto_approve_grant_requests_enabled': ('auto_approve', 'on'),
    'personal_access_token.auto_approve_grant_requests_disabled': ('auto_approve', 'off'),
    'auto_approve_personal_access_token_requests.enable': ('auto_approve', 'on'),
    'auto_approve_personal_access_token_requests.disable': ('auto_approve', 'off'),
} %}
{%- set policies, settings = {}, {} %}
{%- for action, change in changes.items() %}
    {%- do policies.update({action: change[0]}) %}
    {%- do settings.update({action: change[1]}) %}
{%- endfor %}
with changes as (
    select
        e.*,
        {{ case_map('e.action', policies) }} as policy,
        {{ case_map('e.action', settings) }} as setting
    from {{ ref('stg_pat_audit_events') }} as e
    where e.action in ('{{ changes.keys() | join("', '") }}')
)

select
    event_id,
    org,
    occurred_at,
    policy,
    setting,
    token_expiration_days,
    old_token_expiration_days,
    exempt_administrators,
    actor as changed_by,
    action,
    row_number() over (
        partition by org, policy order by occurred_at desc, event_id desc
    ) = 1 as is_latest
from changes
