"""The loopback Hub (tests/servers/hf_hub_server.py) with hostile behaviour: listing items whose ids no
folder can hold (`../`, absolute paths, NUL, > 300 characters), requests answered with an error status
and `Retry-After` their first times, and requests that hang."""

from __future__ import annotations

import json
import re
import threading
import time

from servers.hf_hub_server import HubRequestHandler, HubServer

HOSTILE_LISTED_IDS = ["../../etc/passwd", "owner/../../../tmp/x", "/etc/passwd", "nul\0byte/name",
                      "owner/" + "x" * 320, "'; DROP TABLE hub_listing; --", "owner/a\"b"]


class HostileHubServer(HubServer):
    """`faults`: {path regex: [status, ...]} answered in turn (with `Retry-After: 1`) before the real
    answer; `hang_s`: {path regex: [seconds, ...]} slept in turn before answering; `listed_extra`: raw listing items
    served on the first listing page; `faulted` counts the statuses sent."""

    def __init__(self, root, *, faults: dict[str, list[int]] | None = None, hang_s: dict[str, list[float]] | None = None,
                 listed_extra: list[dict] | None = None, **kwargs) -> None:
        self.faults = {key: list(statuses) for key, statuses in (faults or {}).items()}
        self.hang_s = {key: list(waits) for key, waits in (hang_s or {}).items()}
        self.listed_extra = list(listed_extra or [])
        self.faulted: list[tuple[int, str]] = []
        self.fault_lock = threading.Lock()
        super().__init__(root, **kwargs)
        self.RequestHandlerClass = HostileRequestHandler


class HostileRequestHandler(HubRequestHandler):
    server: HostileHubServer

    def _answer(self, method: str) -> None:
        with self.server.fault_lock:
            hang = next((waits.pop(0) for pattern, waits in self.server.hang_s.items()
                         if re.search(pattern, self.path) and waits), 0.0)
        time.sleep(hang)
        with self.server.fault_lock:
            status = next((statuses.pop(0) for pattern, statuses in self.server.faults.items()
                           if re.search(pattern, self.path) and statuses), None)
            if status is not None:
                self.server.faulted.append((status, self.path))
        if status is not None:
            return self._error(status, None, "injected fault", method == "HEAD", headers={"Retry-After": "1"})
        return super()._answer(method)

    def _list_datasets(self, query: dict[str, list[str]], head: bool) -> None:
        if not self.server.listed_extra or query.get("cursor"):
            return super()._list_datasets(query, head)
        expand = query.get("expand[]", []) + query.get("expand", [])
        repos = [repo.info(full=True, listing=True) for repo in self.server.repos()]
        page = [{k: v for k, v in item.items() if not expand or k in {"_id", "id", *expand}}
                for item in self.server.listed_extra + repos]
        self.send_body(200, json.dumps(page).encode(), head=head)


def listing_item(dataset_id: str, modified: str = "2026-01-01T00:00:00.000Z") -> dict:
    """A listing item for an id no folder holds, with a card every §1 rule keeps."""
    return {"_id": "0" * 24, "id": dataset_id, "sha": "0" * 40, "lastModified": modified, "createdAt": modified,
            "downloads": 1, "likes": 0, "cardData": {"license": "mit", "language": ["en"]}}
