-- Per organization: since when its inventory is known complete. A run counts for a stream only
-- when it read that stream whole ("full") and the organization's read completed; a failed or
-- skipped read never moves these marks. Rows extracted before an org's mark were not listed by
-- GitHub in that complete read: revoked grants, reviewed requests.
with runs as (
    select * from {{ ref('stg_sync_runs') }}
),

complete as (
    select * from runs where status = 'complete'
)

select
    o.org,
    (select max(c.run_started_at) from complete as c
        where c.org = o.org and c.grants_read = 'full') as grants_complete_as_of,
    (select max(c.run_started_at) from complete as c
        where c.org = o.org and c.requests_read = 'full') as requests_complete_as_of,
    max(o.run_started_at) as last_run_started_at,
    max(case when o.status = 'complete' then o.completed_at end) as last_complete_read_at
from runs as o
group by o.org
