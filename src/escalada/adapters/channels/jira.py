"""Jira's REST API (httpx) for the write-back of a case's tier and executive level to
the issue it came from: one `PUT /rest/api/3/issue/{key}` adding the case's labels and
removing the ones it no longer has (`update.labels`: the issue's other labels are left
alone). Authenticated as `email:API token` (Jira Cloud's basic auth).

The outbox delivers it like any message: `to` is the issue key, the body the request's
JSON document. A 2xx is delivered; 408, 409, 429 and 5xx are tried again later; any
other 4xx is refused for good.

Settings: ESCALADA_JIRA_URL (https://SITE.atlassian.net), ESCALADA_JIRA_EMAIL,
ESCALADA_JIRA_API_TOKEN, ESCALADA_JIRA_TIMEOUT (10 seconds).
"""

from __future__ import annotations

import re

from escalada.adapters.channels.helpdesk import HelpdeskWriteBack

_ISSUE_KEY = re.compile(r"[A-Z][A-Z0-9_]*-\d+|\d+")


class JiraChannel(HelpdeskWriteBack):
    """Updates one issue's labels per delivery."""

    name = "jira"
    record = "Jira issue key"
    purpose = "writing a case's tier and level back to its Jira issue"

    def names_a_record(self, record: str) -> bool:
        return _ISSUE_KEY.fullmatch(record) is not None

    def address(self, record: str) -> str:
        return f"{self.url}/rest/api/3/issue/{record}"

    def reference(self, record: str) -> str:
        return f"issue {record}"
