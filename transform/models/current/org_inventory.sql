-- Per organization: since when its inventory is known complete (grants, requests, credential
-- authorizations, members), whether its audit log was read, and whether it is stale.
-- A run counts for a stream only when it read that stream whole ("full", or "full (resumed)": a
-- full read that began in an earlier run and completed in this one) and the organization's
-- read completed; a failed or skipped read never moves these marks. A read's mark is its first
-- run's start (`*_read_started_at`), so rows extracted before a stop count as part of it. Rows
-- extracted before an org's mark were not listed by GitHub in that complete read: revoked
-- grants, reviewed requests.
--
-- Stale (docs/warehouse.md): the org's last complete read is older than the last complete read
-- of an org that was read with it in that run (a later run read its run-mates and not it: it
-- left the configuration, or its installation went), or older than `stale_after_days`. The
-- current-state models leave a stale org's rows out; reading it again makes it current again.
-- Orgs loaded by runs of their own (the Dagster code location) have no run-mates: the window
-- alone judges them. Without `sync_runs` nothing is known, and nothing is stale.
with runs as (
    select * from {{ ref('stg_sync_runs') }}
),

orgs as (
    select org from runs
    union
    select org from {{ ref('stg_pat_grants') }}
    union
    select org from {{ ref('stg_pat_requests') }}
    union
    select org from {{ ref('stg_credential_authorizations') }}
    union
    select org from {{ ref('stg_org_members') }}
    union
    select org from {{ ref('stg_pat_audit_events') }}
),

complete as (
    select
        runs.*,
        row_number() over (partition by org order by run_started_at desc, run_id desc) as recency
    from runs
    where status = 'complete'
),

marks as (
    select
        org,
        {{ complete_read_mark('grants') }} as grants_complete_as_of,
        {{ complete_read_mark('requests') }} as requests_complete_as_of,
        {{ complete_read_mark('credential_authorizations') }}
            as credential_authorizations_complete_as_of,
        {{ complete_read_mark('org_members') }} as members_complete_as_of,
        -- The audit log is history, read incrementally: this only says it was read here.
        max(case when audit_events_read is not null then run_started_at end)
            as audit_events_read_at,
        max(run_started_at) as last_complete_read_at,
        max(case when recency = 1 then run_id end) as last_complete_run_id
    from complete
    group by org
),

-- Orgs whose last complete run also tried another org that has been read completely since.
overtaken as (
    select distinct m.org
    from marks as m
    inner join runs as mate on mate.run_id = m.last_complete_run_id and mate.org <> m.org
    inner join marks as later on later.org = mate.org
    where later.last_complete_read_at > m.last_complete_read_at
),

judged as (
    select
        o.org,
        m.grants_complete_as_of,
        m.requests_complete_as_of,
        m.credential_authorizations_complete_as_of,
        m.members_complete_as_of,
        m.audit_events_read_at,
        m.last_complete_read_at,
        (select max(r.run_started_at) from runs as r where r.org = o.org) as last_run_started_at,
        case
            when o.org in (select org from overtaken) then 'left out of later runs'
            when m.last_complete_read_at
                < {{ dbt.dateadd('day', -1 * var('stale_after_days'), utc_now()) }}
                then 'not read within stale_after_days'
        end as stale_because
    from orgs as o
    left join marks as m on m.org = o.org
)

select judged.*, stale_because is not null as is_stale from judged
