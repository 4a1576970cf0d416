-- Pending requests for token access that have waited more than 7 days for a review, oldest
-- first, with how many repositories each asks for (`subset` requests only).
-- Dialect: DuckDB and PostgreSQL.
select
    r.org,
    r.id,
    r.owner ->> 'login' as owner_login,
    r.token_name,
    r.reason,
    r.repository_selection,
    (
        select count(*)
        from pat_request_repositories as rr
        where rr.org = r.org and rr.pat_request_id = r.id and rr._sdc_deleted_at is null
    ) as repositories,
    r.created_at,
    extract(day from (now() at time zone 'UTC') - r.created_at) as days_waiting
from pat_requests as r
where
    r._sdc_deleted_at is null
    and r.created_at < (now() at time zone 'UTC') - interval '7 days'
order by r.created_at, r.org, r.id;
