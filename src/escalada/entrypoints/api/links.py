"""OpenAPI links (3.0 `links` on a response): where the record a request created can be
used next. A client (and schemathesis' stateful tests) follows them from opening a case
to showing, changing, escalating, pausing and resolving it, and from adding an account
to reading and changing it."""

from __future__ import annotations

from typing import Any

# (path, method, status) of a response -> link name -> (path, method, parameters)
_LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    ("/api/v1/cases", "post", "201"): {
        name: (path, method, {"case_id": "$response.body#/snapshot/id"})
        for name, path, method in (
            ("ShowCase", "/api/v1/cases/{case_id}", "get"),
            ("UpdateCase", "/api/v1/cases/{case_id}", "patch"),
            ("CaseTimeline", "/api/v1/cases/{case_id}/timeline", "get"),
            ("EvaluateCase", "/api/v1/cases/{case_id}/evaluation", "get"),
            ("EscalateCase", "/api/v1/cases/{case_id}/escalate", "post"),
            ("FlagCase", "/api/v1/cases/{case_id}/flags", "post"),
            ("RespondToCase", "/api/v1/cases/{case_id}/respond", "post"),
            ("PauseCase", "/api/v1/cases/{case_id}/pause", "post"),
            ("ResolveCase", "/api/v1/cases/{case_id}/resolve", "post"),
        )},
    ("/api/v1/accounts", "post", "201"): {
        name: (path, method, {"account_id": "$response.body#/id"})
        for name, path, method in (
            ("ShowAccount", "/api/v1/accounts/{account_id}", "get"),
            ("UpdateAccount", "/api/v1/accounts/{account_id}", "patch"),
            ("AccountHistory", "/api/v1/accounts/{account_id}/history", "get"),
            ("AccountContacts", "/api/v1/accounts/{account_id}/contacts", "get"),
        )},
}


def document_links(document: dict[str, Any]) -> None:
    """Add the links to the responses they start from (by the operations' ids)."""
    paths = document.get("paths", {})
    for (path, method, status), links in _LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        for name, (target, target_method, parameters) in links.items():
            operation = paths.get(target, {}).get(target_method)
            if operation is not None and "operationId" in operation:
                response.setdefault("links", {})[name] = {
                    "operationId": operation["operationId"], "parameters": parameters}
