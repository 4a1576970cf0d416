-- Every member row the loader holds (members who left too), renamed and typed.
select
    org,
    id as member_id,
    org || '/' || cast(id as {{ dbt.type_string() }}) as member_key,
    login,
    role,
    type as account_type,
    coalesce(site_admin, false) as is_site_admin,
    _sdc_extracted_at as extracted_at,
    _sdc_deleted_at is not null as is_deleted
from {{ loaded_source('org_members') }}
