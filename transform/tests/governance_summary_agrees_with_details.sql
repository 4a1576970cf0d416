-- The headline totals add up to the detail models' rows.
with totals as (
    select
        sum(grants) as grants,
        sum(write_or_admin) as write_or_admin,
        sum(write_or_admin_expired) as write_or_admin_expired,
        sum(expired) as expired,
        sum(pending_requests) as pending_requests
    from {{ ref('governance_summary') }}
)

select *
from totals
where
    grants <> (select count(*) from {{ ref('current_grants') }})
    or write_or_admin <> (select count(*) from {{ ref('grants_write_or_admin') }})
    or write_or_admin_expired
    <> (select count(*) from {{ ref('grants_write_or_admin') }} where is_expired)
    or expired <> (select count(*) from {{ ref('current_grants') }} where is_expired)
    or pending_requests <> (select count(*) from {{ ref('current_requests') }})
