"""The vendors' service-health feeds behind one interface: the events open now.

AWS Health (boto3 `health`), Azure Resource Health's service-health events
(azure-mgmt-resourcehealth) and Google Cloud Service Health
(google-cloud-servicehealth), each on its SDK's usual credentials. A failure is
`VendorFailed` with a message a support engineer can act on (no credentials, refused
credentials, no plan that includes the API).
"""

from __future__ import annotations

from typing import Protocol

from escalada.adapters.vendors import require_sdk
from escalada.domain.errors import InvalidInput
from escalada.domain.vendor_health import VENDOR_HEALTH, VendorEvent
from escalada.settings import Settings

# The SDK each feed needs (module, distribution), in the vendor's extra.
SDKS = {
    "aws": (("boto3", "boto3"),),
    "azure": (("azure.mgmt.resourcehealth", "azure-mgmt-resourcehealth"),
              ("azure.identity", "azure-identity")),
    "gcp": (("google.cloud.servicehealth_v1", "google-cloud-servicehealth"),),
}


class HealthFeed(Protocol):
    vendor: str

    def open_events(self) -> list[VendorEvent]:
        """The vendor's events going on now (issues, not planned maintenance)."""
        ...


class HealthFeeds(Protocol):
    """What a use case asks for a vendor's health feed by."""

    def __call__(self, vendor: str) -> HealthFeed: ...


def health_feed(vendor: str, *, settings: Settings) -> HealthFeed:
    """The feed of `vendor`, configured from `settings`; an unknown vendor, a missing
    SDK or a missing setting is InvalidInput naming it."""
    if vendor not in VENDOR_HEALTH:
        raise InvalidInput.of("vendor", "must be one of {vendors}",
                              vendors=", ".join(VENDOR_HEALTH))
    require_sdk(vendor, SDKS)
    if vendor == "azure":
        from escalada.adapters.vendors.azure_health import AzureHealth

        return AzureHealth.from_settings(settings)
    if vendor == "gcp":
        from escalada.adapters.vendors.gcp_health import GoogleHealth

        return GoogleHealth.from_settings(settings)
    from escalada.adapters.vendors.aws_health import AwsHealth

    feed: HealthFeed = AwsHealth.from_settings(settings)
    return feed
