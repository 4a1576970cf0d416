-- Classic credentials members authorized for SAML single sign-on that put the org at risk, and
-- why (`risk_reasons`, each reason also a boolean column):
-- - a classic personal access token with a broad scope (`broad_scopes`: `repo`,
--   `write:packages`, `delete_repo`, or any `admin:*`, `admin:org` and `admin:enterprise`
--   among them), with no expiry, or unused for 90 days (last used, or if never used authorized,
--   more than 90 days ago: the authorization is the earliest use GitHub could show);
-- - an SSH key never used, or unused for 90 days.
-- OAuth app and GitHub app tokens are the apps' business, not listed here.
{%- set broad = ['repo', 'write:packages', 'delete_repo'] %}
with broad_scopes as (
    select
        credential_key,
        {{ dbt.listagg('scope', "', '", 'order by scope') }} as broad_scopes
    from {{ ref('current_credential_scopes') }}
    where scope in ('{{ broad | join("', '") }}') or scope like 'admin:%'
    group by credential_key
),

all_scopes as (
    select credential_key, {{ dbt.listagg('scope', "', '", 'order by scope') }} as scopes
    from {{ ref('current_credential_scopes') }}
    group by credential_key
),

judged as (
    select
        c.credential_key,
        c.org,
        c.credential_id,
        c.login,
        c.credential_type,
        c.token_last_eight,
        c.fingerprint,
        c.authorized_credential_title,
        c.authorized_credential_note,
        a.scopes,
        b.broad_scopes,
        c.credential_authorized_at,
        c.credential_accessed_at,
        c.authorized_credential_expires_at,
        c.is_expired,
        c.credential_type = 'personal access token' and b.credential_key is not null
            as has_broad_scopes,
        c.credential_type = 'personal access token'
            and c.authorized_credential_expires_at is null as never_expires,
        c.credential_type = 'SSH key' and c.credential_accessed_at is null as never_used,
        coalesce(
            c.credential_type = 'personal access token'
            and coalesce(c.credential_accessed_at, c.credential_authorized_at)
            < {{ dbt.dateadd('day', -90, utc_now()) }},
            false
        )
        or coalesce(
            c.credential_type = 'SSH key'
            and c.credential_accessed_at < {{ dbt.dateadd('day', -90, utc_now()) }},
            false
        ) as unused_90_days
    from {{ ref('current_credential_authorizations') }} as c
    left join broad_scopes as b on b.credential_key = c.credential_key
    left join all_scopes as a on a.credential_key = c.credential_key
    where c.credential_type in ('personal access token', 'SSH key')
),

reasons as (
    select
        judged.*,
        -- Each reason as '; reason', the first two characters cut below.
        case when has_broad_scopes then '; broad scopes (' || broad_scopes || ')' else '' end
        || case when never_expires then '; no expiry' else '' end
        || case when never_used then '; never used' else '' end
        || case when unused_90_days then '; unused for 90 days' else '' end as reasons
    from judged
)

select
    credential_key,
    org,
    credential_id,
    login,
    credential_type,
    {{ dbt.right("reasons", dbt.length("reasons") ~ " - 2") }} as risk_reasons,
    has_broad_scopes,
    never_expires,
    never_used,
    unused_90_days,
    broad_scopes,
    scopes,
    token_last_eight,
    fingerprint,
    authorized_credential_title,
    authorized_credential_note,
    credential_authorized_at,
    credential_accessed_at,
    authorized_credential_expires_at,
    is_expired
from reasons
where reasons <> ''
