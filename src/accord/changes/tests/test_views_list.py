"""The change log page (filters, sorting, pagination, empty states, metrics, what clients see,
bounded queries) and the change control card of the project overview."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.changes import services
from accord.changes.choices import ChangeType, Status, Urgency
from accord.changes.tests.factories import make_change
from accord.changes.views.listing import overview_card
from accord.projects.tests.factories import MilestoneFactory

pytestmark = pytest.mark.django_db

INTERNAL = "INTERNAL-SECRET-change-draft"


def _url(**query: str) -> str:
    url = reverse("changes:list", kwargs={"key": "ACME"})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def keys_in(response: Any) -> list[str]:
    return re.findall(r'<td><span class="key">(ACME-CR\d+)</span></td>', response.content.decode())


def count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def log(personas: Any) -> dict[str, Any]:
    """A team draft (internal), a client's submitted request, one awaiting approval, an
    approved one with cost and schedule shift, a rejected one."""
    project = personas.project
    milestone = MilestoneFactory(project=project, visibility="shared")
    draft = make_change(project, title=INTERNAL, type=ChangeType.TECHNICAL)
    submitted = make_change(
        project, status=Status.SUBMITTED, actor=personas.carol, title="Client wants SSO",
        urgency=Urgency.HIGH,
    )  # fmt: skip
    awaiting = make_change(project, status=Status.AWAITING_APPROVAL, title="Awaiting decision")
    approved = make_change(project, status=Status.UNDER_ASSESSMENT, title="Approved export")
    services.change_update(
        actor=personas.alice, change=approved,
        data={"effort_days": Decimal("4"), "cost": Decimal("2500"), "cost_currency": "EUR"},
        schedule=[{"milestone": milestone, "shift_days": 7, "note": ""}],
    )  # fmt: skip
    approved.refresh_from_db()
    services.change_transition(actor=personas.alice, change=approved, transition="request_approval")
    for person in (personas.alice, personas.dave):
        approved.refresh_from_db()
        services.change_decide(
            actor=person, change=approved, decision="approved",
            expected_hash=approved.content_hash,
        )  # fmt: skip
    rejected = make_change(project, status=Status.REJECTED, title="Rejected idea")
    return {
        "draft": draft,
        "submitted": submitted,
        "awaiting": awaiting,
        "approved": approved,
        "rejected": rejected,
    }


def test_the_team_sees_every_request_with_its_state_and_the_metrics(client, personas, log):
    client.force_login(personas.alice)
    response = client.get(_url())
    text = response.content.decode()
    assert response.status_code == 200
    assert keys_in(response) == [log[k].key for k in ("rejected", "approved", "awaiting",
                                                      "submitted", "draft")]  # fmt: skip
    assert INTERNAL in text
    assert "Awaiting approval" in text and "Rejected" in text
    # Metrics: approved shift and cost, and the chart of states.
    metrics = re.search(
        r'<section class="grid-cards stats change-metrics".*?</section>', text, re.S
    )
    assert metrics is not None
    assert "7 days" in metrics.group(0)
    assert "2500.00 EUR" in metrics.group(0)
    assert '<svg class="change-state-chart"' in text


def test_clients_see_only_shared_requests(client, personas, log):
    client.force_login(personas.carol)
    response = client.get(_url())
    text = response.content.decode()
    assert log["draft"].key not in keys_in(response)
    assert INTERNAL not in text
    assert log["submitted"].key in keys_in(response)
    # Clients raise change requests too.
    assert reverse("changes:create", kwargs={"key": "ACME"}) in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "awaiting_approval"}, ["awaiting"]),
        ({"state": "decided"}, ["rejected", "approved"]),
        ({"state": "open"}, ["awaiting", "submitted", "draft"]),
        ({"type": "technical"}, ["draft"]),
        ({"urgency": "high"}, ["submitted"]),
        ({"q": "SSO"}, ["submitted"]),
        ({"q": "sso"}, ["submitted"]),
    ],
)
def test_filters(client, personas, log, query, expected):
    client.force_login(personas.bob)
    response = client.get(_url(**query))
    assert keys_in(response) == [log[name].key for name in expected]


def test_search_by_key_and_requester_and_sorting(client, personas, log):
    client.force_login(personas.bob)
    number = log["approved"].number
    assert keys_in(client.get(_url(q=f"ACME-CR{number}"))) == [log["approved"].key]
    assert keys_in(client.get(_url(q=f"CR{number}"))) == [log["approved"].key]
    assert keys_in(client.get(_url(requester=str(personas.carol.pk)))) == [log["submitted"].key]
    ascending = keys_in(client.get(_url(sort="number")))
    assert ascending == sorted(ascending, key=lambda key: int(key.split("CR")[1]))
    titles = keys_in(client.get(_url(sort="title")))
    assert titles[0] == log["approved"].key  # "Approved export" comes first


def test_filtered_empty_state_offers_to_clear(client, personas, log):
    client.force_login(personas.bob)
    response = client.get(_url(q="nothing-matches-this"))
    text = response.content.decode()
    assert "No change requests match these filters" in text
    assert "Clear filters" in text


def test_empty_log_tells_the_team_and_the_client_what_happens_next(client, personas):
    client.force_login(personas.alice)
    text = client.get(_url()).content.decode()
    assert "No change requests yet" in text
    assert "Raise the first change request" in text
    client.force_login(personas.vera)
    text = client.get(_url()).content.decode()
    assert "No change requests to show" in text
    assert reverse("changes:create", kwargs={"key": "ACME"}) not in text


def test_pagination(client, personas, settings):
    settings.ACCORD_PAGE_SIZE = 2
    for index in range(5):
        make_change(personas.project, title=f"Request {index}")
    client.force_login(personas.bob)
    first = client.get(_url())
    assert len(keys_in(first)) == 2
    assert "Page 1 of 3" in first.content.decode()
    last = client.get(_url(page="3"))
    assert len(keys_in(last)) == 1


def test_the_list_costs_the_same_queries_whatever_the_data(client, personas):
    client.force_login(personas.alice)
    make_change(personas.project, status=Status.AWAITING_APPROVAL)
    few = count_queries(client, _url())
    for index in range(6):
        make_change(personas.project, title=f"More {index}", actor=personas.carol)
    make_change(personas.project, status=Status.REJECTED)
    assert count_queries(client, _url()) == few
    assert count_queries(client, _url(state="open", sort="-updated")) == few


def test_overview_card_counts_and_marks_my_pending_decisions(personas, log):
    card = overview_card(personas.dave, personas.project)
    assert card["metrics"]["by_state"][Status.AWAITING_APPROVAL] == 1
    assert [change.key for change in card["awaiting"]] == [log["awaiting"].key]
    assert card["awaiting_mine"] == 1 and card["awaiting"][0].mine
    assert card["metrics"]["approved_shift_days"] == 7
    # Carol has no signing authority: the same request does not wait for her.
    card = overview_card(personas.carol, personas.project)
    assert card["awaiting_mine"] == 0
    # Clients' counts leave the team's draft out.
    assert Status.DRAFT not in card["metrics"]["by_state"]


def test_overview_card_renders(client, personas, log):
    from django.template.loader import render_to_string

    card = overview_card(personas.alice, personas.project)
    html = render_to_string(
        "changes/includes/overview_card.html", {"card": card, "project": personas.project}
    )
    assert log["awaiting"].key in html
    assert "needs your decision" in html
    assert "2500.00 EUR" in html
