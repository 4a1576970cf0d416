-- The repositories each current `subset` grant reaches (the rule: macros/repositories.sql).
{{ current_repositories('grant', ref('current_grants'), ref('stg_pat_grant_repositories')) }}
