"""The API's documentation pages load everything from the server itself: on a machine
with no internet they still show the API."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from escalada.entrypoints.api import create_app
from escalada.services.context import Context

# Any URL with a host: `//host`, `http://host`, `https://host` in an attribute or a url().
_EXTERNAL = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}""")


@pytest.fixture
def docs_client(sqlite_ctx: Context) -> TestClient:
    return TestClient(create_app(sqlite_ctx))


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_a_docs_page_names_no_other_host_and_its_assets_are_served(
    docs_client: TestClient, page: str,
) -> None:
    response = docs_client.get(page)
    assert response.status_code == 200
    html = response.text
    assert _EXTERNAL.findall(html) == []
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert assets, html
    for asset in assets:
        fetched = docs_client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 1000, asset
    assert "/openapi.json" in html


def test_the_pattern_catches_a_cdn_reference() -> None:
    assert _EXTERNAL.findall('<script src="https://cdn.example.net/x.js">') != []
    assert _EXTERNAL.findall('<link href="//fonts.example.com/css">') != []
