"""The floor any Python tap pays: page the grants with `requests`, print RECORD lines.

`python -m benchmark.raw_loop SPEC.json`, SPEC = {"api_url", "version", "orgs": {login: token}}.
Follows `Link: rel="next"` (per_page=100) and writes, per grant, the JSON of a Singer RECORD
message with the grant + `org` (what the tap writes, minus its timestamp normalisation). Like
the tap's full read, a list of more than one page is read a second time, oldest first, and
only the grants the first pass did not see are written (none, here): the same requests.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import requests

MAX_PAGES = 100_000  # a bound on every loop; 10 million grants per org


def main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    session = requests.Session()
    written = 0
    for org, token in spec["orgs"].items():
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        first = f"{spec['api_url']}/orgs/{org}/personal-access-tokens?per_page=100"
        seen: set[int] = set()
        pages = 0
        for url in (first, f"{first}&sort=created_at&direction=asc"):
            if url != first and pages <= 1:
                break  # one page: nothing to verify
            next_url: str | None = url
            for _ in range(MAX_PAGES):
                if not next_url:
                    break
                response = session.get(next_url, headers=headers, timeout=30)
                response.raise_for_status()
                pages += 1
                extracted = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
                for grant in json.loads(response.content):
                    if grant["id"] in seen:
                        continue
                    seen.add(grant["id"])
                    grant["org"] = org
                    message = {
                        "type": "RECORD",
                        "stream": "pat_grants",
                        "record": grant,
                        "version": spec["version"],
                        "time_extracted": extracted,
                    }
                    print(json.dumps(message, separators=(",", ":")))
                    written += 1
                next_url = response.links.get("next", {}).get("url")
    sys.stderr.write(f"raw loop: {written} records\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
