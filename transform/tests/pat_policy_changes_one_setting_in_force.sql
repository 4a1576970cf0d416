-- Exactly one change per (org, policy) is the setting in force, and it is the latest.
select org, policy
from {{ ref('pat_policy_changes') }}
group by org, policy
having
    sum(case when is_latest then 1 else 0 end) <> 1
    or max(occurred_at) <> max(case when is_latest then occurred_at end)
