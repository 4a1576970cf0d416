select
    org,
    pat_request_id as request_id,
    org || '/' || cast(pat_request_id as {{ dbt.type_string() }}) as request_key,
    repository_id,
    org || '/' || cast(pat_request_id as {{ dbt.type_string() }}) || '/'
        || cast(repository_id as {{ dbt.type_string() }}) as request_repository_key,
    full_name as repository_full_name,
    name as repository_name,
    private as is_private,
    archived as is_archived,
    visibility,
    _sdc_extracted_at as extracted_at,
    _sdc_deleted_at is not null as is_deleted
from {{ source('github_pat_grants', 'pat_request_repositories') }}
