"""AWS Health (boto3 client `health`, API 2016-08-04): the open issues on AWS's
services, as the AWS Health Dashboard shows them to this account.

The API answers at its global endpoint (us-east-1); `AWS_ENDPOINT_URL_HEALTH` (or
`AWS_ENDPOINT_URL`) points it elsewhere, e.g. at a local fake. Credentials come from
boto3's usual chain. `ESCALADA_AWS_HEALTH_SERVICES` and `ESCALADA_AWS_HEALTH_REGIONS`
(comma-separated, e.g. `RDS,EC2` and `eu-central-1,us-east-1`) narrow the events asked
for; without them every open issue is. Throttling and 5xx answers are retried by
botocore's standard mode (`ESCALADA_VENDOR_MAX_ATTEMPTS` attempts in all), a 4xx never.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from escalada.domain.errors import InvalidInput, VendorFailed
from escalada.domain.model import as_utc
from escalada.domain.vendor_health import CLOSED, OPEN, VendorEvent
from escalada.domain.words import Words
from escalada.settings import Settings

VENDOR = "aws"
REGION = "us-east-1"
TIMEOUT_SECONDS = 10
DETAILS_AT_ONCE = 10  # describe_event_details takes at most 10 ARNs a call
REFUSED_CREDENTIALS = frozenset({
    "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException",
    "InvalidSignatureException", "SignatureDoesNotMatch", "IncompleteSignature",
})
FRIENDLY = {
    "SubscriptionRequiredException": Words.literal(
        "this AWS account's support plan has no AWS Health API (AWS Business, "
        "Enterprise On-Ramp or Enterprise Support is needed)"),
    "AccessDeniedException": Words.literal(
        "the AWS credentials may not read AWS Health (health:DescribeEvents and "
        "health:DescribeEventDetails are needed)"),
}


class AwsHealth:
    """The open AWS Health issues. `client` is a boto3 `health` client."""

    vendor = VENDOR

    def __init__(self, client: Any, *, services: tuple[str, ...] = (),
                 regions: tuple[str, ...] = ()) -> None:
        self.client, self.services, self.regions = client, services, regions

    @classmethod
    def from_settings(cls, settings: Settings) -> AwsHealth:
        import boto3  # type: ignore[import-untyped, unused-ignore]
        from botocore.config import Config  # type: ignore[import-untyped, unused-ignore]
        from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
            ProfileNotFound,
        )

        endpoint_field = next((name for name in ("aws_endpoint_url_health", "aws_endpoint_url")
                               if settings.text(name)), None)
        endpoint = settings.text(endpoint_field) if endpoint_field else None
        config = Config(region_name=REGION, connect_timeout=TIMEOUT_SECONDS,
                        read_timeout=TIMEOUT_SECONDS,
                        retries={"mode": "standard",
                                 "total_max_attempts": settings.vendor_attempts()})
        profile = settings.text("aws_profile")
        try:
            session = boto3.session.Session(profile_name=profile)
        except ProfileNotFound:
            raise InvalidInput.of("AWS_PROFILE", "no AWS profile {profile!r} in the shared config "
                                  "files", profile=profile) from None
        try:
            client = session.client("health", region_name=REGION, endpoint_url=endpoint,
                                    config=config)
        except ValueError as error:  # botocore: "Invalid endpoint: ..."
            raise InvalidInput.of(Settings.variable(str(endpoint_field)), str(error)) from None
        return cls(client, services=_listed(settings.text("aws_health_services")),
                   regions=_listed(settings.text("aws_health_regions")))

    def open_events(self) -> list[VendorEvent]:
        """describe_events for open issues (in the services and regions configured),
        with each event's latest description from describe_event_details."""
        from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
            BotoCoreError,
            ClientError,
        )

        try:
            found = list(self._events())
            descriptions = self._descriptions([str(e["arn"]) for e in found])
        except ClientError as error:
            raise _client_failure(error) from None
        except BotoCoreError as error:
            raise _botocore_failure(error) from None
        return [_event(e, descriptions.get(str(e["arn"]), "")) for e in found]

    def _events(self) -> Iterator[dict[str, Any]]:
        wanted: dict[str, Any] = {"eventStatusCodes": ["open"], "eventTypeCategories": ["issue"]}
        if self.services:
            wanted["services"] = list(self.services)
        if self.regions:
            wanted["regions"] = list(self.regions)
        for page in self.client.get_paginator("describe_events").paginate(filter=wanted):
            yield from page.get("events") or []

    def _descriptions(self, arns: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(arns), DETAILS_AT_ONCE):
            answer = self.client.describe_event_details(
                eventArns=arns[start:start + DETAILS_AT_ONCE])
            for detail in answer.get("successfulSet") or []:
                text = (detail.get("eventDescription") or {}).get("latestDescription") or ""
                found[str(detail["event"]["arn"])] = str(text)
        return found


def _listed(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def title_of(type_code: str, service: str) -> str:
    """AWS_RDS_OPERATIONAL_ISSUE (of RDS) -> 'operational issue'."""
    words = type_code.split("_")
    if words[:1] == ["AWS"]:
        words = words[1:]
    service_words = service.upper().split("_")
    if words[:len(service_words)] == service_words and len(words) > len(service_words):
        words = words[len(service_words):]
    return " ".join(words).lower()


def _time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    return as_utc(datetime.fromisoformat(str(value)))


def _event(found: dict[str, Any], description: str) -> VendorEvent:
    service = str(found.get("service") or "")
    region = str(found.get("region") or "")
    started = _time(found.get("startTime")) or _time(found.get("lastUpdatedTime"))
    if started is None:
        raise VendorFailed(VENDOR, Words("AWS Health sent event {event} without a start time",
                                         event=found.get("arn")))
    return VendorEvent(
        vendor=VENDOR, id=str(found["arn"]), service=service,
        region=None if region in ("", "global") else region,
        title=title_of(str(found.get("eventTypeCode") or ""), service),
        started_at=started, status=OPEN if found.get("statusCode") == "open" else CLOSED,
        ended_at=_time(found.get("endTime")), updated_at=_time(found.get("lastUpdatedTime")),
        description=description)


def _client_failure(error: Any) -> VendorFailed:
    code = str(error.response.get("Error", {}).get("Code") or "UnknownError")
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in FRIENDLY:
        return VendorFailed(VENDOR, FRIENDLY[code])
    if code in REFUSED_CREDENTIALS:
        return VendorFailed(VENDOR, Words("AWS refused the credentials ({code}); check the "
                                          "access key, or sign in again", code=code))
    message = str(error.response.get("Error", {}).get("Message") or "no message from AWS")
    return VendorFailed(VENDOR, Words("AWS Health: {code}: {message}", code=code,
                                      message=message), retryable=status >= 500 or status == 429)


def _botocore_failure(error: Exception) -> VendorFailed:
    from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
        ConnectionError as BotoConnectionError,
    )
    from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
        HTTPClientError,
        NoCredentialsError,
    )

    if isinstance(error, NoCredentialsError):
        return VendorFailed(
            VENDOR, "no AWS credentials found (environment, shared config, SSO or instance role)")
    if isinstance(error, (BotoConnectionError, HTTPClientError)):
        return VendorFailed(VENDOR, Words("could not reach AWS Health ({error}); try again "
                                          "shortly", error=error), retryable=True)
    return VendorFailed(VENDOR, str(error))
