select
    org,
    id as request_id,
    org || '/' || cast(id as {{ dbt.type_string() }}) as request_key,
    owner ->> 'login' as owner_login,
    reason,
    repository_selection,
    permissions,
    token_id,
    token_name,
    coalesce(token_expired, false) as token_expired,
    token_expires_at,
    token_last_used_at,
    created_at,
    _sdc_extracted_at as extracted_at,
    _sdc_deleted_at is not null as is_deleted
from {{ loaded_source('pat_requests') }}
