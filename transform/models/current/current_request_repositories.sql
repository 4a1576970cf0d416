-- The repositories each current `subset` request asks for (the same rule as grants').
{{ current_repositories('request', ref('current_requests'), ref('stg_pat_request_repositories')) }}
