-- One row per (grant, repository) as loaded; the shape is shared with requests' repositories.
{{ staged_repositories('grant', 'pat_id') }}
