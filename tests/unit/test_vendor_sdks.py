"""The vendor SDKs are optional extras: without one, its vendor is refused naming the
extra to install, and nothing else needs them."""

from __future__ import annotations

import sys

import pytest

from escalada.adapters.vendors import vendor_client
from escalada.domain.errors import InvalidInput
from escalada.settings import Settings


def max_attempts(environ: dict[str, str]) -> int:
    return Settings.of(environ).vendor_attempts()


@pytest.mark.parametrize(("vendor", "module", "distribution"), [
    ("aws", "boto3", "boto3"),
    ("azure", "azure.mgmt.support", "azure-mgmt-support"),
    ("azure", "azure.identity", "azure-identity"),
    ("gcp", "google.cloud.support_v2", "google-cloud-support"),
])
def test_a_vendor_without_its_sdk_is_refused_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch, vendor: str, module: str, distribution: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # what find_spec reports as missing

    with pytest.raises(InvalidInput, match=rf"escalada\[{vendor}\]") as raised:
        vendor_client(vendor, environ={})

    assert raised.value.problems == [("vendor", (
        f"{vendor} needs {distribution}, which is not installed: "
        f"pip install 'escalada[{vendor}]' (or 'escalada[vendors]' for all three)"))]


def test_an_unknown_vendor_is_still_refused_as_before() -> None:
    with pytest.raises(InvalidInput, match="vendor: must be one of aws, azure, gcp"):
        vendor_client("oracle", environ={})


@pytest.mark.parametrize(("text", "attempts"), [("", 4), ("  ", 4), ("1", 1), (" 7 ", 7)])
def test_the_attempts_setting_is_read_in_one_place(text: str, attempts: int) -> None:
    assert max_attempts({"ESCALADA_VENDOR_MAX_ATTEMPTS": text}) == attempts
    assert max_attempts({}) == 4


@pytest.mark.parametrize("text", ["0", "-1", "four", "2.5"])
def test_a_bad_attempts_setting_is_refused_naming_it(text: str) -> None:
    with pytest.raises(InvalidInput, match="ESCALADA_VENDOR_MAX_ATTEMPTS") as raised:
        max_attempts({"ESCALADA_VENDOR_MAX_ATTEMPTS": text})

    assert raised.value.problems == [
        ("ESCALADA_VENDOR_MAX_ATTEMPTS", "must be a whole number of at least 1")]


@pytest.mark.parametrize(("vendor", "module", "distribution"), [
    ("aws", "boto3", "boto3"),
    ("azure", "azure.mgmt.resourcehealth", "azure-mgmt-resourcehealth"),
    ("gcp", "google.cloud.servicehealth_v1", "google-cloud-servicehealth"),
])
def test_a_health_feed_without_its_sdk_is_refused_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch, vendor: str, module: str, distribution: str
) -> None:
    from escalada.adapters.vendors.health import health_feed

    monkeypatch.setitem(sys.modules, module, None)

    with pytest.raises(InvalidInput) as raised:
        health_feed(vendor, settings=Settings.of({}))

    assert raised.value.problems == [("vendor", (
        f"{vendor} needs {distribution}, which is not installed: "
        f"pip install 'escalada[{vendor}]' (or 'escalada[vendors]' for all three)"))]
