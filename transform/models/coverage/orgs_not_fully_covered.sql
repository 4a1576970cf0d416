-- Are we seeing all of our organizations? The organizations the current-state models cannot
-- vouch for, and why: their latest run was suspended, skipped or failed; they are stale (no
-- longer read, or not within `stale_after_days`: their rows are left out of the current models);
-- streams were skipped (e.g. a permission the App lacks); no complete full read of their grants
-- yet (so `current_grants` cannot tell a revoked grant from a live one there); or no run record
-- at all (`sync_runs` not selected).
with ranked as (
    select
        r.*,
        row_number() over (partition by r.org order by r.run_started_at desc, r.run_id desc) as n
    from {{ ref('stg_sync_runs') }} as r
),

latest as (
    select
        l.*,
        coalesce({{ json_text('l.skipped_streams') }}, 'null') not in ('null', '{}')
            as has_skipped_streams
    from ranked as l
    where l.n = 1
),

judged as (
    select
        i.org,
        case
            when l.org is null then 'no run record'
            when l.suspended then 'suspended'
            when l.status = 'skipped' then 'skipped'
            when l.status = 'failed' then 'failed'
            when i.is_stale then 'stale'
            when l.has_skipped_streams then 'streams skipped'
            when i.grants_complete_as_of is null then 'never read whole'
        end as reason,
        i.is_stale,
        i.stale_because,
        i.last_complete_read_at,
        l.status as last_status,
        l.error as last_error,
        case when l.has_skipped_streams then {{ json_text('l.skipped_streams') }} end
            as skipped_streams,
        l.suspended,
        l.installation_id,
        l.source,
        l.run_started_at as last_run_started_at,
        i.grants_complete_as_of,
        i.requests_complete_as_of
    from {{ ref('org_inventory') }} as i
    left join latest as l on l.org = i.org
)

select * from judged where reason is not null
