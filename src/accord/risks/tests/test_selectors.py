"""Reading the risk register: who sees which risks, levels from each project's thresholds, the
heat map in one grouped query, and the staff view across projects."""

from __future__ import annotations

import pytest
from django.http import Http404

from accord.projects.choices import Role
from accord.projects.tests.factories import MembershipFactory, ProjectFactory
from accord.risks import selectors, services
from accord.risks.choices import RiskStatus
from accord.risks.models import RiskThresholds
from accord.risks.tests.factories import make_action, make_risk

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(personas):
    """Internal and shared risks of ACME, one closed, and an internal risk of EVIL."""
    p = personas.project
    risks = {
        "internal_high": make_risk(p, title="Internal vendor lock-in", probability=4, impact=3),
        "shared_critical": make_risk(
            p, title="Shared data migration", probability=5, impact=4, visibility="shared"
        ),
        "shared_low": make_risk(
            p, title="Shared minor wording", probability=1, impact=2, visibility="shared"
        ),
        "closed": make_risk(
            p, title="Closed licence risk", probability=5, impact=5, status=RiskStatus.CLOSED
        ),
        "evil": make_risk(personas.other_project, title="Evil's own risk", probability=5, impact=5),
    }
    return risks


def _titles(risks):
    return [r.title for r in risks]


def test_register_follows_visibility_per_persona(personas, register):
    p = personas.project
    everything = [
        "Closed licence risk",
        "Shared data migration",
        "Internal vendor lock-in",
        "Shared minor wording",
    ]
    for user in (personas.alice, personas.bob, personas.vera, personas.staff):
        assert _titles(selectors.risk_list(user, p)) == everything
    for user in (personas.carol, personas.dave):
        assert _titles(selectors.risk_list(user, p)) == [
            "Shared data migration",
            "Shared minor wording",
        ]
    assert list(selectors.risk_list(personas.mallory, p)) == []
    assert _titles(selectors.risk_list(user=personas.mallory, project=personas.other_project)) == [
        "Evil's own risk"
    ]


def test_risk_get_answers_404_for_hidden_and_unknown_risks(personas, register):
    p = personas.project
    internal = register["internal_high"]
    assert selectors.risk_get(personas.bob, p, internal.number).level == "high"
    for user, number in [
        (personas.carol, internal.number),
        (personas.mallory, internal.number),
        (personas.alice, 999),
        (personas.alice, register["evil"].number + 100),
    ]:
        with pytest.raises(Http404):
            selectors.risk_get(user, p, number)


def test_levels_follow_the_project_thresholds(personas, register):
    p = personas.project
    levels = {r.title: r.level for r in selectors.risk_list(personas.alice, p)}
    assert levels == {
        "Closed licence risk": "critical",
        "Shared data migration": "critical",
        "Internal vendor lock-in": "high",
        "Shared minor wording": "low",
    }
    services.thresholds_update(
        actor=personas.alice, project=p, medium_from=2, high_from=13, critical_from=25
    )
    p.refresh_from_db()
    p = type(p).objects.get(pk=p.pk)
    levels = {r.title: r.level for r in selectors.risk_list(personas.alice, p)}
    assert levels["Internal vendor lock-in"] == "medium"
    assert levels["Shared data migration"] == "high"
    assert levels["Shared minor wording"] == "medium"
    high = selectors.filter_levels(
        selectors.risk_list(personas.alice, p), selectors.thresholds_of(p), ["high", "critical"]
    )
    assert _titles(high) == ["Closed licence risk", "Shared data migration"]


def test_thresholds_of_defaults_without_a_stored_row(personas, django_assert_num_queries):
    p = personas.project
    with django_assert_num_queries(1):
        first = selectors.thresholds_of(p)
        again = selectors.thresholds_of(p)
    assert first.pk is None and again.pk is None
    assert (first.medium_from, first.high_from, first.critical_from) == (5, 10, 16)
    assert not RiskThresholds.objects.exists()


def test_heat_map_counts_active_visible_risks_in_one_grouped_query(
    personas, register, django_assert_num_queries
):
    p = personas.project
    make_risk(p, title="Second 5×4", probability=5, impact=4, status=RiskStatus.MONITORING)
    selectors.heat_map(personas.alice, p)  # the membership and thresholds, read once per request
    with django_assert_num_queries(1):
        grid = selectors.heat_map(personas.alice, p)
    assert [row[0]["probability"] for row in grid] == [5, 4, 3, 2, 1]
    assert [cell["impact"] for cell in grid[0]] == [1, 2, 3, 4, 5]
    cells = {(c["probability"], c["impact"]): c for row in grid for c in row}
    assert cells[(5, 4)]["count"] == 2 and cells[(5, 4)]["level"] == "critical"
    assert cells[(4, 3)]["count"] == 1 and cells[(4, 3)]["score"] == 12
    assert cells[(5, 5)]["count"] == 0  # the closed risk is not active
    assert cells[(1, 2)]["level"] == "low"
    assert sum(c["count"] for c in cells.values()) == 4
    client = {(c["probability"], c["impact"]): c["count"] for row in selectors.heat_map(
        personas.carol, p) for c in row}  # fmt: skip
    assert sum(client.values()) == 2 and client[(4, 3)] == 0
    every_state = selectors.heat_map(personas.alice, p, status=None)
    assert sum(c["count"] for row in every_state for c in row) == 5
    assert sum(c["count"] for row in selectors.heat_map(personas.mallory, p) for c in row) == 0


def test_top_risks_are_the_highest_active_ones(personas, register):
    p = personas.project
    assert _titles(selectors.top_risks(personas.alice, p, limit=2)) == [
        "Shared data migration",
        "Internal vendor lock-in",
    ]
    assert _titles(selectors.top_risks(personas.carol, p)) == [
        "Shared data migration",
        "Shared minor wording",
    ]


def test_overdue_actions_follow_the_risk_visibility(personas, register):
    internal = make_action(register["internal_high"], description="Internal late", overdue=True)
    shared = make_action(register["shared_critical"], description="Shared late", overdue=True)
    make_action(register["shared_critical"], description="Not due yet")
    done = make_action(register["shared_low"], description="Done late", overdue=True)
    services.action_complete(actor=personas.alice, action=done, done=True)
    p = personas.project
    assert list(selectors.overdue_actions(personas.bob, p)) == [internal, shared]
    assert list(selectors.overdue_actions(personas.carol, p)) == [shared]
    assert list(selectors.overdue_actions(personas.mallory, p)) == []
    assert [a.description for a in selectors.action_list(register["shared_critical"])] == [
        "Shared late",
        "Not due yet",
    ]


def test_reviews_newest_first(personas, register):
    risk = register["internal_high"]
    services.risk_review(actor=personas.bob, risk=risk, probability=2, impact=3, note="Better")
    assert [r.score for r in selectors.review_list(risk)] == [6, 12]


def test_org_risks_for_staff_with_each_project_thresholds(
    personas, register, django_assert_num_queries
):
    strict = ProjectFactory(key="STRICT")
    MembershipFactory(project=strict, user=personas.alice, role=Role.MANAGER)
    services.thresholds_update(
        actor=personas.alice, project=strict, medium_from=3, high_from=6, critical_from=9
    )
    make_risk(strict, actor=personas.alice, title="Strict moderate", probability=2, impact=3)
    make_risk(strict, actor=personas.alice, title="Strict small", probability=1, impact=4)
    with django_assert_num_queries(1):
        rows = [(r.project.key, r.title, r.level, r.high_from) for r in selectors.org_risks(
            personas.staff)]  # fmt: skip
    assert rows == [
        ("EVIL", "Evil's own risk", "critical", 10),
        ("ACME", "Shared data migration", "critical", 10),
        ("ACME", "Internal vendor lock-in", "high", 10),
        ("STRICT", "Strict moderate", "high", 6),
    ]
    critical = selectors.org_risks(personas.staff, levels=["critical"])
    assert {r.title for r in critical} == {"Shared data migration", "Evil's own risk"}
    for user in (personas.alice, personas.carol, personas.mallory):
        assert list(selectors.org_risks(user)) == []
    with django_assert_num_queries(1):
        thresholds = selectors.thresholds_for([personas.project.pk, strict.pk])
    assert thresholds[strict.pk].high_from == 6 and thresholds[personas.project.pk].pk is None
