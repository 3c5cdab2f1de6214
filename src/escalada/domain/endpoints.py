"""Named destinations for webhook and Slack deliveries: what a name may be, and how a
destination URL is shown (scheme and host only: the path of a Slack incoming-webhook
URL is its secret, and a webhook's path may carry one too)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Lowercase, so that no name is mistaken for a Slack channel id (C0123ABC) or #channel.
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,62}$"
_NAME = re.compile(NAME_PATTERN)
# The channels whose destinations are endpoints; email goes to addresses.
ENDPOINT_CHANNELS = ("webhook", "slack")


def is_endpoint_name(text: str) -> bool:
    return bool(_NAME.fullmatch(text))


def looks_like_url(text: str) -> bool:
    """Whether someone gave a URL where a destination's name belongs."""
    lowered = text.strip().lower()
    return "://" in lowered or lowered.startswith(("http:", "https:", "//"))


def masked(url: str) -> str:
    """`https://hooks.slack.com/…/****`: the scheme and host, never the path, query or
    credentials."""
    parts = urlsplit(url.strip())
    host = parts.hostname or "?"
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme.lower() or '?'}://{host}{port}/…/****"
