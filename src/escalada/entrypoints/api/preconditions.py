"""ETags of cases and `If-Match` on their writes (RFC 9110): a write that names an ETag
the case no longer has is refused with 412 and writes nothing. The version is checked
where the case is loaded for the write, inside the write's own transaction (the same
check as a body's `expected_version`, services.repositories.load_case), and a change
that races it past that check loses at commit (the case's version column).

`If-Match` is optional (no 428): the CLI and older clients send `expected_version`, or
nothing and take the last write."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Request, Response

from escalada.domain.errors import InvalidInput, StaleVersion
from escalada.entrypoints.api.language import told
from escalada.services.views import CaseView

_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')
PRECONDITION_RESPONSES: dict[int | str, dict[str, str]] = {
    412: {"description": "the case changed since the ETag sent in If-Match"}}
ETAG_HEADER = {"ETag": {"description": "the case's version, for If-Match on a write",
                        "schema": {"type": "string"}}}


def etag(case_id: str, version: int) -> str:
    """A strong entity tag naming the case and its version: `"CASE-1.v7"`."""
    return f'"{case_id}.v{version}"'


def tagged(view: CaseView, response: Response, request: Request) -> CaseView:
    """The view in the reader's language, with its ETag on the response."""
    response.headers["ETag"] = etag(view.snapshot.id, view.version)
    return told(view, request)


def _versions(header: str, case_id: str) -> list[int] | None:
    """The versions of `case_id` the header names (weak tags never match: RFC 9110
    compares strongly); None for `*` (any current version)."""
    if header.strip() == "*":
        return None
    tags, position = [], 0
    while position < len(header):
        found = _TAG.match(header, position)
        if found is None or found.end() == position:
            raise InvalidInput.of("If-Match", 'must be "*" or ETags such as "CASE-1.v3"')
        position = found.end()
        prefix = f"{case_id}.v"
        if found.group(1) is None and found.group(2).startswith(prefix) \
                and found.group(2)[len(prefix):].isdigit():
            tags.append(int(found.group(2)[len(prefix):]))
    return tags


def _if_match(
    request: Request, case_id: str,
    if_match: Annotated[str | None, Header(
        alias="If-Match", max_length=400,
        description='the ETag of the case as you read it ("CASE-1.v3"); 412 if it has '
                    "changed since")] = None,
) -> int | None:
    """The case version the request's If-Match names (None: no precondition)."""
    if if_match is None:
        return None
    versions = _versions(if_match, case_id.upper())
    if versions is None:
        return None
    request.state.if_match = if_match  # a stale version is then 412, not 409
    if not versions:
        raise StaleVersion.of("If-Match names no current ETag of {case_id}: read the case again "
                              "(GET) and send its ETag", case_id=case_id.upper())
    if len(set(versions)) > 1:
        raise InvalidInput.of("If-Match", "name one ETag of the case")
    return versions[0]


IfMatch = Annotated[int | None, Depends(_if_match)]


def expected(if_match: int | None, expected_version: int | None) -> int | None:
    """The version the write must find: If-Match's, or the body's `expected_version`;
    when both are sent and differ, one of them is stale already."""
    if if_match is not None and expected_version is not None and if_match != expected_version:
        raise StaleVersion.of("If-Match names version {if_match} but expected_version is "
                              "{expected_version}: at most one of them is current",
                              if_match=if_match, expected_version=expected_version)
    return if_match if if_match is not None else expected_version
