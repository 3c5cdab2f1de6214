"""The Azure adapter with the real SDK (azure-mgmt-support) against a fake ARM on loopback."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from fake_arm import SUBSCRIPTION, FakeArm, arm, bearer_policy, free_port, support_client

from escalada.adapters.vendors import (
    CLOSED,
    OPEN,
    WAITING_ON_US,
    VendorCaseRequest,
    vendor_client,
)
from escalada.adapters.vendors import azure as azure_module
from escalada.adapters.vendors.azure import (
    AzureContact,
    AzureSupport,
    communication_name,
    retry_policy,
    ticket_name,
)
from escalada.domain.errors import InvalidInput, VendorFailed

__all__ = ["arm"]  # fixture

SERVICE = "06bfd9d3-516b-d5c6-5802-169c800dec89"
CLASSIFICATION = "e12e3d1d-7fa0-af33-c6d0-3c50df9658a3"
SERVICE_ID = f"/providers/Microsoft.Support/services/{SERVICE}"
CLASSIFICATION_ID = f"{SERVICE_ID}/problemClassifications/{CLASSIFICATION}"
CONTACT = AzureContact(first_name="Ana", last_name="López", email="ana@customer.test",
                       country="ESP", timezone="Romance Standard Time", language="es-ES")
REQUEST = VendorCaseRequest(
    reference="CASE-42", subject="VMs in westeurope unreachable",
    body="Since 09:40 UTC no VM answers on 443.", severity="moderate",
    service=SERVICE, category=CLASSIFICATION,
)
ENVIRON = {"AZURE_SUBSCRIPTION_ID": SUBSCRIPTION}


def adapter(arm: FakeArm, **kwargs: Any) -> AzureSupport:
    kwargs.setdefault("contact", CONTACT)
    return AzureSupport(support_client(arm), **kwargs)


def opened(arm: FakeArm, request: VendorCaseRequest = REQUEST) -> tuple[AzureSupport, str]:
    support = adapter(arm)
    sent = support.open_case(request)
    assert sent.case_id is not None
    return support, sent.case_id


# --- opening --------------------------------------------------------------------------


def test_opening_a_ticket_puts_what_azure_needs(arm: FakeArm) -> None:
    sent = adapter(arm).open_case(REQUEST)

    assert sent.case_id == ticket_name("CASE-42", REQUEST.subject)
    assert sent.case_id.startswith("escalada-case-42-") and not sent.dry_run
    assert sent.call.operation == "begin_create"
    (put,) = arm.requests_to("PUT")
    assert put.path.endswith(f"/supportTickets/{sent.case_id}")
    assert put.api_version == "2024-04-01"
    assert put.headers["authorization"].startswith("Bearer ")
    properties = put.body["properties"]
    assert properties["title"] == REQUEST.subject
    assert properties["description"] == f"{REQUEST.body}\n\nReference: CASE-42"
    assert properties["severity"] == "moderate"
    assert properties["serviceId"] == SERVICE_ID
    assert properties["problemClassificationId"] == CLASSIFICATION_ID
    assert properties["advancedDiagnosticConsent"] == "Yes"
    assert properties["require24X7Response"] is False
    assert properties["contactDetails"] == {
        "firstName": "Ana", "lastName": "López", "preferredContactMethod": "email",
        "primaryEmailAddress": "ana@customer.test", "preferredTimeZone": "Romance Standard Time",
        "country": "ESP", "preferredSupportLanguage": "es-ES",
    }
    assert sent.call.params["body"] == put.body
    assert sent.call.params["method"] == "PUT" and sent.call.params["path"] == put.path


def test_a_critical_ticket_takes_full_ids_and_the_requests_contact(arm: FakeArm) -> None:
    request = VendorCaseRequest(
        reference="CASE-7", subject="Production down", body="All regions.",
        severity="Critical", service=SERVICE_ID, category=CLASSIFICATION_ID,
        contact_name="Bo Van der Berg", contact_email="bo@customer.test",
        cc=("oncall@customer.test",),
    )
    support = adapter(arm, contact=AzureContact())
    support.open_case(request)

    properties = arm.requests_to("PUT")[0].body["properties"]
    assert properties["severity"] == "critical" and properties["require24X7Response"] is True
    assert properties["serviceId"] == SERVICE_ID
    assert properties["problemClassificationId"] == CLASSIFICATION_ID
    contact = properties["contactDetails"]
    assert (contact["firstName"], contact["lastName"]) == ("Bo", "Van der Berg")
    assert contact["primaryEmailAddress"] == "bo@customer.test"
    assert contact["additionalEmailAddresses"] == ["oncall@customer.test"]
    assert (contact["country"], contact["preferredTimeZone"]) == ("USA", "UTC")


def test_opening_again_finds_the_ticket_instead_of_making_a_second(arm: FakeArm) -> None:
    support = adapter(arm)
    first = support.open_case(REQUEST)
    arm.conflict_on_duplicate = True  # whether ARM answers a repeat 200 or 409
    second = support.open_case(REQUEST)

    assert first.case_id == second.case_id
    assert list(arm.tickets) == [first.case_id]


def test_a_ticket_created_asynchronously_is_awaited(arm: FakeArm) -> None:
    arm.lro = True  # 202 + Azure-AsyncOperation, as ARM answers a create
    support, ticket = opened(arm)
    support.add_communication(ticket, "More detail.")

    assert len(arm.requests_to("GET", "/operationsStatus/")) == 2
    assert support.fetch_case(ticket).display_id == arm.tickets[ticket]["properties"][
        "supportTicketId"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service": None}, "service"),
        ({"category": None}, "category"),
        ({"service": "virtual machines"}, "service"),
        ({"category": "/providers/Microsoft.Support/services/"
                      "11111111-1111-4111-8111-111111111111/problemClassifications/"
                      f"{CLASSIFICATION}"}, "category"),
        ({"severity": "urgent"}, "severity"),
    ],
)
def test_a_request_azure_cannot_take_is_refused_before_any_call(
    arm: FakeArm, change: dict[str, Any], field: str
) -> None:
    fields = {"reference": "CASE-42", "subject": "s", "body": "b", "severity": "moderate",
              "service": SERVICE, "category": CLASSIFICATION, **change}
    with pytest.raises(InvalidInput, match=rf"(^|; ){field}: ") as refused:
        adapter(arm).open_case(VendorCaseRequest(**fields))

    assert field in [name for name, _ in refused.value.problems]
    assert arm.requests == []


def test_missing_service_and_category_are_named_together(arm: FakeArm) -> None:
    request = VendorCaseRequest(reference="CASE-1", subject="s", body="b", severity="minimal")
    with pytest.raises(
        InvalidInput,
        match=r"^service: Azure needs the service: .*; category: Azure needs the problem",
    ) as refused:
        adapter(arm).open_case(request)

    assert [name for name, _ in refused.value.problems] == ["service", "category"]
    assert arm.requests == []


def test_a_ticket_without_a_contact_names_the_settings(arm: FakeArm) -> None:
    with pytest.raises(
        InvalidInput,
        match=r"^ESCALADA_AZURE_CONTACT_FIRST_NAME: .*; ESCALADA_AZURE_CONTACT_EMAIL: ",
    ) as refused:
        adapter(arm, contact=AzureContact()).open_case(REQUEST)

    assert [name for name, _ in refused.value.problems] == [
        "ESCALADA_AZURE_CONTACT_FIRST_NAME", "ESCALADA_AZURE_CONTACT_EMAIL"]
    assert arm.requests == []


# --- communications and fetching ---------------------------------------------------------


def test_adding_a_communication_puts_it_under_a_name_from_its_body(arm: FakeArm) -> None:
    support, ticket = opened(arm)
    body = "Status: still down.\nWe restarted the gateway at 10:05."
    sent = support.add_communication(ticket, body)
    support.add_communication(ticket, body)  # a retry

    name = communication_name(body)
    puts = arm.requests_to("PUT", "/communications/")
    assert [put.path.rsplit("/", 1)[1] for put in puts] == [name, name]
    assert puts[0].body == {"properties": {"subject": "Status: still down.", "body": body,
                                           "sender": "ana@customer.test"}}
    assert list(arm.communications[ticket]) == [name]
    assert sent.case_id == ticket and sent.call.operation == "begin_create"


def test_fetching_reads_status_and_messages_both_ways(arm: FakeArm) -> None:
    support, ticket = opened(arm)
    support.add_communication(ticket, "Any news?")
    arm.add_vendor_message(ticket, "We are looking at the gateway.")

    case = support.fetch_case(ticket)

    assert (case.vendor, case.id, case.status, case.state) == ("azure", ticket, "Open", OPEN)
    assert case.display_id == arm.tickets[ticket]["properties"]["supportTicketId"]
    assert (case.severity, case.subject) == ("moderate", REQUEST.subject)
    assert case.opened_at is not None and case.opened_at.utcoffset() is not None
    ours, theirs = case.messages
    assert (ours.id, ours.body, ours.from_vendor) == (communication_name("Any news?"),
                                                      "Any news?", False)
    assert (theirs.body, theirs.from_vendor) == ("We are looking at the gateway.", True)
    assert theirs.author == "engineer@support.microsoft.test"
    assert ours.at < theirs.at


@pytest.mark.parametrize(
    ("status", "state"),
    [("Open", OPEN), ("Updating", OPEN), ("Waiting for customer response", WAITING_ON_US),
     ("Closed", CLOSED)],
)
def test_ticket_statuses_map_to_escalada_states(arm: FakeArm, status: str, state: str) -> None:
    support, ticket = opened(arm)
    arm.set_status(ticket, status)

    case = support.fetch_case(ticket)

    assert (case.status, case.state) == (status, state)


def test_fetching_follows_every_page_of_communications(arm: FakeArm) -> None:
    support, ticket = opened(arm)
    arm.page_size = 2
    for number in range(5):
        arm.add_vendor_message(ticket, f"note {number}")

    case = support.fetch_case(ticket)

    assert [message.body for message in case.messages] == [f"note {n}" for n in range(5)]
    assert len([r for r in arm.requests_to("GET") if r.path.endswith("/communications")]) == 3


def test_fetching_an_unknown_ticket_says_so(arm: FakeArm) -> None:
    with pytest.raises(
        VendorFailed,
        match=r"^azure: no Azure support ticket escalada-case-404-deadbeef ",
    ) as failed:
        adapter(arm).fetch_case("escalada-case-404-deadbeef")

    assert "no Azure support ticket escalada-case-404-deadbeef" in str(failed.value)
    assert failed.value.retryable is False
    assert len(arm.requests) == 1


# --- escalating and closing --------------------------------------------------------------


def test_escalating_raises_the_severity_and_asks_in_a_communication(arm: FakeArm) -> None:
    support, ticket = opened(arm)

    sent = support.escalate(ticket, "BUSINESS_IMPACT", "Checkout is down for all customers.")

    (patch,) = arm.requests_to("PATCH")
    assert patch.body == {"severity": "critical"}
    assert arm.tickets[ticket]["properties"]["severity"] == "critical"
    (put,) = arm.requests_to("PUT", "/communications/")
    properties = put.body["properties"]
    assert "BUSINESS_IMPACT" in properties["body"]
    assert "Checkout is down for all customers." in properties["body"]
    assert "raised from moderate to critical" in properties["body"]
    assert properties["subject"].startswith("Escalation request")
    assert sent.call.operation == "begin_create" and sent.case_id == ticket
    assert [call["operation"] for call in sent.call.params["calls"]] == ["update", "begin_create"]
    assert sent.call.params["calls"][0]["body"] == {"severity": "critical"}


def test_escalating_again_changes_nothing_more(arm: FakeArm) -> None:
    support, ticket = opened(arm)
    support.escalate(ticket, "RESOLUTION_TIME", "Two days without an answer.")
    support.escalate(ticket, "RESOLUTION_TIME", "Two days without an answer.")

    assert len(arm.requests_to("PATCH")) == 1
    assert len(arm.requests_to("PUT", "/communications/")) == 1
    assert arm.tickets[ticket]["properties"]["severity"] == "critical"


def test_escalating_a_critical_ticket_only_asks(arm: FakeArm) -> None:
    support, ticket = opened(arm, VendorCaseRequest(**{**_fields(REQUEST),
                                                       "severity": "critical"}))
    support.escalate(ticket, "TECHNICAL_EXPERTISE", "We need a networking specialist.")

    assert arm.requests_to("PATCH") == []
    body = arm.requests_to("PUT", "/communications/")[0].body["properties"]["body"]
    assert "stays critical" in body


def test_escalating_still_asks_when_azure_keeps_the_severity(arm: FakeArm) -> None:
    support, ticket = opened(arm)
    arm.refuse_severity_change = True  # an engineer works the ticket

    sent = support.escalate(ticket, "BUSINESS_IMPACT", "Revenue loss grows.")

    assert arm.tickets[ticket]["properties"]["severity"] == "moderate"
    body = arm.requests_to("PUT", "/communications/")[0].body["properties"]["body"]
    assert "could not be raised from moderate to critical" in body
    assert "please raise it to critical" in body
    assert [call["operation"] for call in sent.call.params["calls"]] == ["begin_create"]


def test_escalating_for_an_unknown_reason_is_refused(arm: FakeArm) -> None:
    with pytest.raises(
        InvalidInput,
        match=r"^reason: must be one of RESOLUTION_TIME, TECHNICAL_EXPERTISE, BUSINESS_IMPACT$",
    ) as refused:
        adapter(arm).escalate("escalada-case-42-00000000", "BORED", "why not")

    assert refused.value.problems[0][0] == "reason"
    assert arm.requests == []


def test_closing_patches_the_status(arm: FakeArm) -> None:
    support, ticket = opened(arm)

    sent = support.close(ticket)

    (patch,) = arm.requests_to("PATCH")
    assert patch.body == {"status": "closed"}
    assert sent.call.operation == "update" and sent.case_id == ticket
    assert support.fetch_case(ticket).state == CLOSED


# --- retries and errors --------------------------------------------------------------------


def test_a_503_is_retried_until_it_succeeds(arm: FakeArm) -> None:
    support, ticket = opened(arm)
    arm.requests.clear()
    arm.fail_next(1, 503)

    case = support.fetch_case(ticket)

    assert case.id == ticket
    gets = [r for r in arm.requests_to("GET") if r.path.endswith(ticket)]
    assert len(gets) == 2


def test_throttling_is_retried_after_retry_after(arm: FakeArm) -> None:
    support, ticket = opened(arm)
    arm.requests.clear()
    arm.fail_next(2, 429, code="TooManyRequests", headers={"Retry-After": "0"})

    support.close(ticket)

    assert len(arm.requests_to("PATCH")) == 3


def test_server_errors_give_up_after_the_attempts_retryably(arm: FakeArm) -> None:
    support = AzureSupport(support_client(arm, max_attempts=3), contact=CONTACT)
    arm.fail_next(10, 503, code="ServiceUnavailable", message="try later")

    with pytest.raises(
        VendorFailed,
        match=r"^azure: Azure Resource Manager answered 503 after retries \(try later\)",
    ) as failed:
        support.fetch_case("escalada-case-42-00000000")

    assert failed.value.retryable is True
    assert "503" in str(failed.value) and "try later" in str(failed.value)
    assert len(arm.requests) == 3


@pytest.mark.parametrize(
    "body",
    [
        {"error": {"code": "InvalidData", "message": "Communication name is invalid."}},
        # the Support RP writes its errors in Pascal case
        {"Error": {"Code": "InvalidData", "Message": "Communication name is invalid."}},
    ],
)
def test_a_400_is_not_retried_and_carries_arms_message(arm: FakeArm, body: Any) -> None:
    support, ticket = opened(arm)
    arm.requests.clear()
    arm.fail_next(1, 400, body=body, headers={"Retry-After": "0"})

    with pytest.raises(
        VendorFailed,
        match=r"^azure: Communication name is invalid\. \(InvalidData\)$",
    ) as failed:
        support.add_communication(ticket, "hello")

    assert len(arm.requests) == 1
    assert str(failed.value) == "azure: Communication name is invalid. (InvalidData)"
    assert failed.value.retryable is False


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_point_at_the_support_role(arm: FakeArm, status: int) -> None:
    arm.fail_next(1, status, code="AuthorizationFailed")

    with pytest.raises(
        VendorFailed,
        match=r"^azure: the Azure credentials may not manage support tickets on subscription ",
    ) as failed:
        adapter(arm).close("escalada-case-42-00000000")

    assert f"support tickets on subscription {SUBSCRIPTION}" in str(failed.value)
    assert "Support Request Contributor" in str(failed.value)
    assert len(arm.requests) == 1


def test_an_unreachable_arm_is_retryable() -> None:
    client = azure_module.make_client(  # a port nothing listens on
        SUBSCRIPTION, base_url=f"http://127.0.0.1:{free_port()}", credential=_NoCredential(),
        authentication_policy=bearer_policy(), max_attempts=2, retry_backoff_factor=0,
    )
    support = AzureSupport(client, contact=CONTACT)

    with pytest.raises(
        VendorFailed,
        match=r"^azure: could not reach Azure Resource Manager ",
    ) as failed:
        support.fetch_case("escalada-case-42-00000000")

    assert failed.value.retryable is True
    assert "could not reach Azure Resource Manager" in str(failed.value)


@pytest.mark.parametrize("chained", [False, True])
def test_missing_credentials_are_named(
    arm: FakeArm, monkeypatch: pytest.MonkeyPatch, chained: bool
) -> None:
    from azure.identity import ChainedTokenCredential, EnvironmentCredential

    for name in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_USERNAME",
                 "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    # DefaultAzureCredential's way of saying "none found" (without probing IMDS or the CLI)
    credential = ChainedTokenCredential(EnvironmentCredential()) if chained else (
        EnvironmentCredential())
    client = azure_module.make_client(
        SUBSCRIPTION, base_url=arm.url, credential=credential,
        authentication_policy=token_policy(credential), retry_backoff_factor=0,
    )

    with pytest.raises(
        VendorFailed,
        match=r"^azure: no Azure credentials found \(environment, managed identity, Azure CLI\)",
    ) as failed:
        AzureSupport(client, contact=CONTACT).fetch_case("escalada-case-42-00000000")

    assert "no Azure credentials found (environment, managed identity, Azure CLI)" in str(
        failed.value)
    assert arm.requests == []


# --- dry run and settings ------------------------------------------------------------------


def test_a_dry_run_calls_nothing_and_shows_the_requests(arm: FakeArm) -> None:
    support = adapter(arm, dry_run=True)
    ticket = ticket_name("CASE-42", REQUEST.subject)

    opened_ = support.open_case(REQUEST)
    added = support.add_communication(ticket, "Any news?")
    escalated = support.escalate(ticket, "BUSINESS_IMPACT", "Revenue loss.")
    closed = support.close(ticket)
    with pytest.raises(VendorFailed, match="dry run"):
        support.fetch_case(ticket)

    assert arm.requests == []
    assert all(sent.dry_run for sent in (opened_, added, escalated, closed))
    assert opened_.case_id == ticket
    assert opened_.call.params["method"] == "PUT"
    assert opened_.call.params["path"] == (
        f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Support/supportTickets/{ticket}")
    assert opened_.call.params["body"]["properties"]["serviceId"] == SERVICE_ID
    assert added.call.params["body"]["properties"]["body"] == "Any news?"
    assert [c["method"] for c in escalated.call.params["calls"]] == ["PATCH", "PUT"]
    assert closed.call.params["body"] == {"status": "closed"}


def test_from_environ_makes_no_client_until_a_real_call(
    arm: FakeArm, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[dict[str, Any]] = []
    client = support_client(arm)

    def fake_make_client(subscription_id: str, **kwargs: Any) -> Any:
        made.append({"subscription_id": subscription_id, **kwargs})
        return client

    monkeypatch.setattr(azure_module, "make_client", fake_make_client)
    environ = {**ENVIRON, "ESCALADA_VENDOR_MAX_ATTEMPTS": "2",
               "ESCALADA_AZURE_CONTACT_FIRST_NAME": "Ana",
               "ESCALADA_AZURE_CONTACT_LAST_NAME": "López",
               "ESCALADA_AZURE_CONTACT_EMAIL": "ana@customer.test",
               "ESCALADA_AZURE_CONTACT_COUNTRY": "esp"}
    dry = vendor_client("azure", environ=environ, dry_run=True)
    dry.open_case(REQUEST)
    support = vendor_client("azure", environ=environ)
    assert made == []

    support.open_case(REQUEST)

    assert made == [{"subscription_id": SUBSCRIPTION,
                     "base_url": "https://management.azure.com", "max_attempts": 2}]
    contact = arm.requests_to("PUT")[0].body["properties"]["contactDetails"]
    assert (contact["firstName"], contact["country"], contact["preferredTimeZone"],
            contact["preferredSupportLanguage"]) == ("Ana", "ESP", "UTC", "en-US")


@pytest.mark.parametrize(
    ("environ", "field"),
    [
        ({}, "AZURE_SUBSCRIPTION_ID"),
        ({"AZURE_SUBSCRIPTION_ID": "  "}, "AZURE_SUBSCRIPTION_ID"),
        ({"AZURE_SUBSCRIPTION_ID": "my-subscription"}, "AZURE_SUBSCRIPTION_ID"),
        ({**ENVIRON, "ESCALADA_AZURE_ENDPOINT": "http://arm.test"}, "ESCALADA_AZURE_ENDPOINT"),
        ({**ENVIRON, "ESCALADA_VENDOR_MAX_ATTEMPTS": "0"}, "ESCALADA_VENDOR_MAX_ATTEMPTS"),
        ({**ENVIRON, "ESCALADA_AZURE_CONTACT_COUNTRY": "Spain"}, "ESCALADA_AZURE_CONTACT_COUNTRY"),
    ],
)
def test_a_wrong_setting_is_named(environ: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput, match=rf"^{field}: ") as refused:
        AzureSupport.from_environ(environ)

    assert refused.value.problems[0][0] == field


def test_the_retry_policy_counts_attempts_the_first_included() -> None:
    policy = retry_policy(4)

    assert policy.total_retries == 3
    assert retry_policy(1).total_retries == 0


def test_importing_the_adapter_does_not_import_the_sdk() -> None:
    probe = ("import sys, escalada.adapters.vendors.azure; "
             "print(sorted(m for m in sys.modules if m.startswith('azure')))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)

    assert result.stdout.strip() == "[]"


# --- helpers ---------------------------------------------------------------------------------


def _fields(request: VendorCaseRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in request.__dataclass_fields__}


class _NoCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise AssertionError("the test's bearer policy never asks for a token")


def token_policy(credential: Any) -> Any:
    """An authentication policy asking `credential` for a token over plain http."""
    from azure.core.pipeline.policies import SansIOHTTPPolicy

    class TokenFrom(SansIOHTTPPolicy):  # type: ignore[type-arg]
        def on_request(self, request: Any) -> None:
            token = credential.get_token("https://management.azure.com/.default")
            request.http_request.headers["Authorization"] = f"Bearer {token.token}"

    return TokenFrom()
