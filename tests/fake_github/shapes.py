"""GitHub's object shapes: Simple User, organization account and (Minimal) Repository."""

from __future__ import annotations

import base64
from typing import Any

Json = dict[str, Any]

API = "https://api.github.com"
WEB = "https://github.com"


def node_id(kind: str, number: int) -> str:
    """GitHub's legacy global node id, e.g. `MDQ6VXNlcjE=` for User 1."""
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


def user(login: str, user_id: int, *, kind: str = "User") -> Json:
    """A Simple User object (also used for organizations as repository owners)."""
    url = f"{API}/users/{login}"
    return {
        "login": login,
        "id": user_id,
        "node_id": node_id(kind, user_id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": url,
        "html_url": f"{WEB}/{login}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": kind,
        "site_admin": False,
    }


def organization_account(login: str, org_id: int) -> Json:
    """The organization as an installation account or repository owner."""
    return user(login, org_id, kind="Organization")


def repository(
    owner: Json,
    name: str,
    repo_id: int,
    *,
    private: bool = True,
    description: str | None = None,
    language: str | None = None,
    topics: list[str] | None = None,
    created_at: str = "2011-01-26T19:01:12Z",
    pushed_at: str = "2011-01-26T19:06:43Z",
    updated_at: str = "2011-01-26T19:14:43Z",
    stars: int = 0,
    forks: int = 0,
    size: int = 108,
    archived: bool = False,
) -> Json:
    """A Repository object shaped like GitHub's `list-pat-grant-repositories` example."""
    full_name = f"{owner['login']}/{name}"
    url = f"{API}/repos/{full_name}"
    html_url = f"{WEB}/{full_name}"
    links = {
        "archive_url": "/{archive_format}{/ref}",
        "assignees_url": "/assignees{/user}",
        "blobs_url": "/git/blobs{/sha}",
        "branches_url": "/branches{/branch}",
        "collaborators_url": "/collaborators{/collaborator}",
        "comments_url": "/comments{/number}",
        "commits_url": "/commits{/sha}",
        "compare_url": "/compare/{base}...{head}",
        "contents_url": "/contents/{+path}",
        "contributors_url": "/contributors",
        "deployments_url": "/deployments",
        "downloads_url": "/downloads",
        "events_url": "/events",
        "forks_url": "/forks",
        "git_commits_url": "/git/commits{/sha}",
        "git_refs_url": "/git/refs{/sha}",
        "git_tags_url": "/git/tags{/sha}",
    }
    more_links = {
        "issue_comment_url": "/issues/comments{/number}",
        "issue_events_url": "/issues/events{/number}",
        "issues_url": "/issues{/number}",
        "keys_url": "/keys{/key_id}",
        "labels_url": "/labels{/name}",
        "languages_url": "/languages",
        "merges_url": "/merges",
        "milestones_url": "/milestones{/number}",
        "notifications_url": "/notifications{?since,all,participating}",
        "pulls_url": "/pulls{/number}",
        "releases_url": "/releases{/id}",
    }
    return {
        "id": repo_id,
        "node_id": node_id("Repository", repo_id),
        "name": name,
        "full_name": full_name,
        "owner": owner,
        "private": private,
        "html_url": html_url,
        "description": description,
        "fork": False,
        "url": url,
        **{key: url + suffix for key, suffix in links.items()},
        "git_url": f"git://github.com/{full_name}.git",
        **{key: url + suffix for key, suffix in more_links.items()},
        "ssh_url": f"git@github.com:{full_name}.git",
        "stargazers_url": f"{url}/stargazers",
        "statuses_url": f"{url}/statuses/{{sha}}",
        "subscribers_url": f"{url}/subscribers",
        "subscription_url": f"{url}/subscription",
        "tags_url": f"{url}/tags",
        "teams_url": f"{url}/teams",
        "trees_url": f"{url}/git/trees{{/sha}}",
        "clone_url": f"{html_url}.git",
        "mirror_url": None,
        "hooks_url": f"{url}/hooks",
        "svn_url": html_url,
        "homepage": None,
        "language": language,
        "forks_count": forks,
        "stargazers_count": stars,
        "watchers_count": stars,
        "size": size,
        "default_branch": "main",
        "open_issues_count": 0,
        "is_template": False,
        "topics": topics or [],
        "has_issues": True,
        "has_projects": True,
        "has_wiki": not private,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": archived,
        "disabled": False,
        "visibility": "private" if private else "public",
        "pushed_at": pushed_at,
        "created_at": created_at,
        "updated_at": updated_at,
        "permissions": {"admin": False, "push": False, "pull": True},
        "security_and_analysis": {
            "advanced_security": {"status": "enabled"},
            "secret_scanning": {"status": "enabled"},
            "secret_scanning_push_protection": {"status": "enabled"},
            "secret_scanning_non_provider_patterns": {"status": "disabled"},
            "secret_scanning_delegated_alert_dismissal": {"status": "disabled"},
        },
        # GitHub's list responses also carry these optional Repository properties.
        "has_pull_requests": True,
        "pull_request_creation_policy": "all",
        "role_name": "read",
        "temp_clone_token": "",
        "delete_branch_on_merge": True,
        "subscribers_count": stars // 3,
        "network_count": forks,
        "code_of_conduct": None,
        "license": None
        if private
        else {
            "key": "mit",
            "name": "MIT License",
            "spdx_id": "MIT",
            "url": f"{API}/licenses/mit",
            "node_id": "MDc6TGljZW5zZW1pdA==",
        },
        "forks": forks,
        "open_issues": 0,
        "watchers": stars,
        "allow_forking": not private,
        "web_commit_signoff_required": False,
        "custom_properties": {},
    }
