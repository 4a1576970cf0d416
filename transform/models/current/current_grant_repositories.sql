-- The repositories each current `subset` grant reaches. A grant's list is re-read every time the
-- grant is emitted, so rows from before its latest emission are gone from GitHub's list. When no
-- row is that new (the re-read failed half-way), the rows since the org's complete mark stay:
-- showing access that may be gone beats hiding access that is there.
with grants as (
    select * from {{ ref('current_grants') }} where repository_selection = 'subset'
),

repositories as (
    select r.*
    from {{ ref('stg_pat_grant_repositories') }} as r
    inner join grants as g on g.grant_key = r.grant_key
    where
        not r.is_deleted
        and (g.grants_complete_as_of is null or r.extracted_at >= g.grants_complete_as_of)
),

latest as (
    select grant_key, max(extracted_at) as last_read_at from repositories group by grant_key
)

select
    r.grant_repository_key,
    r.grant_key,
    r.org,
    r.grant_id,
    r.repository_id,
    r.repository_full_name,
    r.repository_name,
    r.is_private,
    r.is_archived,
    r.visibility,
    r.extracted_at
from repositories as r
inner join grants as g on g.grant_key = r.grant_key
inner join latest as l on l.grant_key = r.grant_key
where r.extracted_at >= g.extracted_at or l.last_read_at < g.extracted_at
