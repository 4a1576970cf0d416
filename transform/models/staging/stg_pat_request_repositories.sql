-- One row per (request, repository) as loaded; the shape is shared with grants' repositories.
{{ staged_repositories('request', 'pat_request_id') }}
