{#- The repositories a grant or a request reaches: one staging shape and one "current" rule for
    both, so the two never drift. `parent` is 'grant' or 'request'. -#}

{% macro staged_repositories(parent, parent_id_column) %}
select
    org,
    {{ parent_id_column }} as {{ parent }}_id,
    org || '/' || cast({{ parent_id_column }} as {{ dbt.type_string() }}) as {{ parent }}_key,
    repository_id,
    org || '/' || cast({{ parent_id_column }} as {{ dbt.type_string() }}) || '/'
        || cast(repository_id as {{ dbt.type_string() }}) as {{ parent }}_repository_key,
    full_name as repository_full_name,
    name as repository_name,
    private as is_private,
    archived as is_archived,
    visibility,
    _sdc_extracted_at as extracted_at,
    _sdc_deleted_at is not null as is_deleted
from {{ loaded_source('pat_' ~ parent ~ '_repositories') }}
{% endmacro %}

{#- A parent's list is re-read every time the parent is emitted, so rows from before its latest
    emission are gone from GitHub's list. When no row is that new (the re-read failed half-way),
    the rows since the org's complete mark stay: showing access that may be gone beats hiding
    access that is there. -#}
{% macro current_repositories(parent, parents, staged) %}
with parents as (
    select * from {{ parents }} where repository_selection = 'subset'
),

repositories as (
    select r.*
    from {{ staged }} as r
    inner join parents as p on p.{{ parent }}_key = r.{{ parent }}_key
    where
        not r.is_deleted
        and (p.{{ parent }}s_complete_as_of is null or r.extracted_at >= p.{{ parent }}s_complete_as_of)
),

latest as (
    select {{ parent }}_key, max(extracted_at) as last_read_at
    from repositories
    group by {{ parent }}_key
)

select
    r.{{ parent }}_repository_key,
    r.{{ parent }}_key,
    r.org,
    r.{{ parent }}_id,
    r.repository_id,
    r.repository_full_name,
    r.repository_name,
    r.is_private,
    r.is_archived,
    r.visibility,
    r.extracted_at
from repositories as r
inner join parents as p on p.{{ parent }}_key = r.{{ parent }}_key
inner join latest as l on l.{{ parent }}_key = r.{{ parent }}_key
where r.extracted_at >= p.extracted_at or l.last_read_at < p.extracted_at
{% endmacro %}
