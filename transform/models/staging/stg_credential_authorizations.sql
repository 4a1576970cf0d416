-- Every credential authorization the loader holds (revoked ones too), renamed and typed.
select
    org,
    credential_id,
    org || '/' || cast(credential_id as {{ dbt.type_string() }}) as credential_key,
    login,
    credential_type,
    token_last_eight,
    credential_authorized_at,
    credential_accessed_at,
    scopes,
    fingerprint,
    authorized_credential_id,
    authorized_credential_title,
    authorized_credential_note,
    authorized_credential_expires_at,
    _sdc_extracted_at as extracted_at,
    _sdc_deleted_at is not null as is_deleted
from {{ loaded_source('credential_authorizations') }}
