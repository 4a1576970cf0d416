-- One row per audit event (`_document_id`), renamed and typed. Each run re-reads a window before
-- its bookmark, so an event can arrive twice: both loaders upsert by the key, and the latest
-- copy wins here too, so no model downstream ever counts an event twice.
-- `token_id`, `hashed_token` and `programmatic_access_type` describe the credential that
-- PERFORMED the action (e.g. an App approving through the API), not the token the event is
-- about (`token_id` here is `user_programmatic_access_id`): renamed `acting_*` so that nobody
-- joins them to `pat_grants.token_id`.
with events as (
    select
        pat_audit_events.*,
        row_number() over (
            partition by _document_id order by _sdc_extracted_at desc
        ) as copy_number
    from {{ loaded_source('pat_audit_events') }}
)

select
    _document_id as event_id,
    org,
    {{ adapter.quote('@timestamp') }} as timestamp_ms,
    created_at as occurred_at,
    action,
    actor,
    actor_id,
    {{ adapter.quote('user') }} as user_login,
    user_id,
    operation_type,
    repository_selection,
    user_programmatic_access_id as token_id,
    user_programmatic_access_request_id as request_id,
    user_programmatic_access_name as token_name,
    token_expiration as token_expiration_days,
    old_token_expiration as old_token_expiration_days,
    exempt_administrators,
    token_id as acting_token_id,
    hashed_token as acting_hashed_token,
    programmatic_access_type as acting_credential_type,
    event,
    _sdc_extracted_at as extracted_at
from events
where copy_number = 1
