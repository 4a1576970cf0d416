-- Headline totals per organization, counted from the same models the detail answers come from
-- (a data test checks they agree).
with orgs as (
    select org from {{ ref('current_grants') }}
    union
    select org from {{ ref('current_requests') }}
)

select
    o.org,
    (select count(*) from {{ ref('current_grants') }} as x where x.org = o.org) as grants,
    (select count(*) from {{ ref('grants_write_or_admin') }} as x where x.org = o.org)
        as write_or_admin,
    (select count(*) from {{ ref('grants_write_or_admin') }} as x
        where x.org = o.org and x.is_expired) as write_or_admin_expired,
    (select count(*) from {{ ref('grants_expired') }} as x where x.org = o.org) as expired,
    (select count(*) from {{ ref('grants_unused_90_days') }} as x where x.org = o.org)
        as unused_90_days,
    (select count(*) from {{ ref('grants_never_expire') }} as x where x.org = o.org)
        as never_expire,
    (select count(*) from {{ ref('grants_all_repositories') }} as x where x.org = o.org)
        as all_repositories,
    (select count(*) from {{ ref('current_requests') }} as x where x.org = o.org)
        as pending_requests,
    (select count(*) from {{ ref('requests_pending_over_7_days') }} as x where x.org = o.org)
        as pending_over_7_days,
    (select max(grants_complete_as_of) from {{ ref('org_inventory') }} as x where x.org = o.org)
        as grants_complete_as_of
from orgs as o
