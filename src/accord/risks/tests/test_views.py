"""Risk pages: the register (filters, sorting, levels), the heat map, the forms, the detail page
with reviews and response actions, the level thresholds, the organisation view for staff and the
risks card of the project overview."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accord.core.choices import Visibility
from accord.core.testing import BaseTestCase
from accord.projects.choices import Role
from accord.projects.tests.factories import MembershipFactory
from accord.risks import services
from accord.risks.choices import Category, RiskStatus, Strategy
from accord.risks.models import ResponseAction, Risk, RiskReview
from accord.risks.tests.factories import make_action, make_risk

INTERNAL_MARKER = "INTERNAL-SECRET-risk"
SHARED_MARKER = "SHARED-ACME-risk"


def count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def keys_in(response: Any) -> list[str]:
    """The risk keys of the register's rows, in page order."""
    return re.findall(r'<td><span class="key">(ACME-K\d+)</span></td>', response.content.decode())


def risk_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "The client's single sign-on arrives late",
        "category": Category.SCHEDULE,
        "cause": "The identity provider is run by another vendor.",
        "event": "SSO is not ready for the integration sprint.",
        "consequence": "Login work slips by a sprint.",
        "probability": "4",
        "impact": "3",
        "strategy": Strategy.MITIGATE,
        "trigger": "No test tenant by the end of March.",
        "owner": "",
        "status": RiskStatus.OPEN,
    }
    data.update(overrides)
    return data


class RiskPagesTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.internal = make_risk(cls.project, title=INTERNAL_MARKER, probability=2, impact=2)
        cls.shared = make_risk(
            cls.project,
            title=SHARED_MARKER,
            probability=4,
            impact=5,
            visibility=Visibility.SHARED,
            owner=cls.bob,
        )
        cls.list_url = reverse("risks:list", args=["ACME"])
        cls.heatmap_url = reverse("risks:heatmap", args=["ACME"])

    def url(self, name: str, risk: Risk, **extra: Any) -> str:
        return reverse(name, kwargs={"key": "ACME", "number": risk.number, **extra})


# Register ------------------------------------------------------------------------------------


class RegisterTests(RiskPagesTestCase):
    def test_the_team_sees_every_risk_with_its_level(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.list_url)
        self.assertContains(r, INTERNAL_MARKER)
        self.assertContains(r, SHARED_MARKER)
        # 4 × 5 = 20: critical under the default thresholds; 2 × 2 = 4: low.
        self.assertContains(r, '<span class="badge risk-level level-critical">Critical · 20</span>')
        self.assertContains(r, '<span class="badge risk-level level-low">Low · 4</span>')
        self.assertContains(r, "Record a risk")
        # The meaning of the levels is shown with the list.
        self.assertContains(r, "Score = probability × impact")

    def test_clients_see_shared_risks_only(self) -> None:
        for persona in (self.carol, self.dave):
            self.client.force_login(persona)
            r = self.client.get(self.list_url)
            self.assertContains(r, SHARED_MARKER)
            self.assertNotContains(r, INTERNAL_MARKER)
            self.assertNotContains(r, reverse("risks:create", args=["ACME"]))
            self.assertContains(r, "1 risk")

    def test_viewers_read_without_edit_controls(self) -> None:
        self.client.force_login(self.vera)
        r = self.client.get(self.list_url)
        self.assertContains(r, INTERNAL_MARKER)
        self.assertNotContains(r, reverse("risks:create", args=["ACME"]))

    def test_outsiders_get_404(self) -> None:
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(self.list_url).status_code, 404)

    def test_it_filters_by_status_category_owner_strategy_and_text(self) -> None:
        closed = make_risk(
            self.project,
            title="Hosting contract renewal",
            status=RiskStatus.CLOSED,
            category=Category.BUDGET,
            strategy=Strategy.TRANSFER,
            cause="The hosting price rises in May.",
        )
        self.client.force_login(self.alice)
        self.assertEqual(keys_in(self.client.get(self.list_url + "?status=closed")), [closed.key])
        active = keys_in(self.client.get(self.list_url + "?status=active"))
        self.assertEqual(set(active), {self.shared.key, self.internal.key})
        self.assertEqual(keys_in(self.client.get(self.list_url + "?category=budget")), [closed.key])
        self.assertEqual(
            keys_in(self.client.get(self.list_url + "?strategy=transfer")), [closed.key]
        )
        self.assertEqual(
            keys_in(self.client.get(self.list_url + f"?owner={self.bob.pk}")), [self.shared.key]
        )
        self.assertEqual(
            set(keys_in(self.client.get(self.list_url + "?owner=none"))),
            {self.internal.key, closed.key},
        )
        # Text search reads the cause too, and a typed key finds its risk.
        self.assertEqual(keys_in(self.client.get(self.list_url + "?q=price+rises")), [closed.key])
        self.assertEqual(
            keys_in(self.client.get(self.list_url + f"?q={self.shared.key}")), [self.shared.key]
        )

    def test_the_level_filter_follows_the_projects_thresholds(self) -> None:
        self.client.force_login(self.alice)
        self.assertEqual(
            keys_in(self.client.get(self.list_url + "?level=low")), [self.internal.key]
        )
        services.thresholds_update(
            actor=self.alice, project=self.project, medium_from=3, high_from=4, critical_from=21
        )
        # 2 × 2 = 4 is now high; 20 is high too, below critical at 21.
        r = self.client.get(self.list_url + "?level=high")
        self.assertEqual(set(keys_in(r)), {self.internal.key, self.shared.key})
        self.assertEqual(keys_in(self.client.get(self.list_url + "?level=low")), [])
        self.assertContains(r, '<span class="badge risk-level level-high">High · 4</span>')

    def test_it_sorts_by_score_key_title_and_next_due_action(self) -> None:
        third = make_risk(self.project, title="Accessibility audit fails", probability=3, impact=3)
        today = timezone.localdate()
        make_action(self.internal, due_date=today + dt.timedelta(days=2))
        make_action(third, due_date=today + dt.timedelta(days=9))
        self.client.force_login(self.alice)
        get = lambda sort: keys_in(self.client.get(self.list_url + f"?sort={sort}"))  # noqa: E731
        i, s, t = self.internal.key, self.shared.key, third.key
        self.assertEqual(get("-score"), [s, t, i])
        self.assertEqual(get("score"), [i, t, s])
        self.assertEqual(get("key"), [i, s, t])
        self.assertEqual(get("-key"), [t, s, i])
        self.assertEqual(get("title"), [t, i, s])
        # Risks without an open action come last either way.
        self.assertEqual(get("due"), [i, t, s])
        self.assertEqual(get("-due"), [t, i, s])
        # The default order is by score, highest first.
        self.assertEqual(keys_in(self.client.get(self.list_url)), [s, t, i])

    def test_an_overdue_next_action_is_flagged(self) -> None:
        make_action(self.shared, overdue=True)
        self.client.force_login(self.alice)
        r = self.client.get(self.list_url)
        self.assertContains(r, 'class="badge badge-bad" title="Overdue"')

    def test_it_pages_through_many_risks(self) -> None:
        for i in range(3):
            make_risk(self.project, title=f"Paged risk {i}")
        self.client.force_login(self.alice)
        with self.settings(ACCORD_PAGE_SIZE=2):
            first = self.client.get(self.list_url + "?sort=key")
            second = self.client.get(self.list_url + "?sort=key&page=2")
        self.assertEqual(len(keys_in(first)), 2)
        self.assertContains(first, "Page 1 of 3")
        self.assertContains(first, "?sort=key&amp;page=2")
        self.assertEqual(keys_in(second)[0], "ACME-K3")

    def test_empty_states_say_what_to_do(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.list_url + "?q=nothing-matches-this")
        self.assertContains(r, "No risks match these filters")
        self.assertContains(r, "Clear filters")
        Risk.objects.all().delete()
        r = self.client.get(self.list_url)
        self.assertContains(r, "Record the first risk")
        self.client.force_login(self.carol)
        r = self.client.get(self.list_url)
        self.assertContains(r, "has not shared any risks with you")

    def test_query_count_does_not_grow(self) -> None:
        self.client.force_login(self.alice)
        first = count_queries(self.client, self.list_url)
        for i in range(8):
            risk = make_risk(self.project, title=f"More {i}", owner=self.alice, impact=i % 5 + 1)
            make_action(risk, owner=self.bob, due_date=timezone.localdate())
        self.assertEqual(count_queries(self.client, self.list_url), first)
        self.assertEqual(
            count_queries(self.client, self.list_url + "?sort=due&level=medium&status=active"),
            first,
        )


# Heat map ------------------------------------------------------------------------------------


def cell_html(response: Any, probability: int, impact: int) -> str:
    """The <td> of one heat-map cell."""
    content = response.content.decode()
    match = re.search(
        rf'<td class="heat-cell [^"]*" data-probability="{probability}" '
        rf'data-impact="{impact}">.*?</td>',
        content,
        re.S,
    )
    assert match, (probability, impact)
    return match.group(0)


def cell_count(response: Any, probability: int, impact: int) -> int:
    found = re.search(
        r'<span class="heat-count">(\d+)</span>', cell_html(response, probability, impact)
    )
    assert found
    return int(found.group(1))


class HeatMapTests(RiskPagesTestCase):
    def test_a_risk_sits_in_its_cell_and_the_cell_links_to_it(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.heatmap_url)
        self.assertEqual(cell_count(r, 4, 5), 1)
        self.assertEqual(cell_count(r, 2, 2), 1)
        self.assertEqual(cell_count(r, 5, 4), 0)
        self.assertEqual(sum(cell_count(r, p, i) for p in range(1, 6) for i in range(1, 6)), 2)
        link = re.search(r'href="([^"]+)"', cell_html(r, 4, 5)).group(1).replace("&amp;", "&")
        self.assertEqual(link, self.list_url + "?probability=4&impact=5&status=active")
        register = self.client.get(link)
        self.assertEqual(keys_in(register), [self.shared.key])
        self.assertContains(register, "Heat-map cell: probability 4 · Likely")

    def test_axes_name_the_meaning_of_each_level_for_screen_readers_too(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.heatmap_url)
        self.assertContains(
            r, '<th scope="row" class="heat-axis">5 · Almost certain: over 80%</th>'
        )
        self.assertContains(r, "1 · Negligible: absorbed within the plan</th>")
        self.assertContains(r, "<caption>")
        self.assertContains(r, "score 20, level Critical")

    def test_cell_colours_follow_the_projects_thresholds(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.heatmap_url)
        self.assertIn("level-medium", cell_html(r, 3, 3))
        self.assertIn("level-low", cell_html(r, 1, 4))
        services.thresholds_update(
            actor=self.alice, project=self.project, medium_from=3, high_from=6, critical_from=9
        )
        r = self.client.get(self.heatmap_url)
        self.assertIn("level-critical", cell_html(r, 3, 3))
        self.assertIn("level-medium", cell_html(r, 1, 4))
        self.assertIn("level-high", cell_html(r, 2, 3))
        self.assertContains(r, "score 9 to 25")

    def test_active_risks_by_default_all_on_request(self) -> None:
        make_risk(
            self.project, title="Done with", probability=5, impact=5, status=RiskStatus.CLOSED
        )
        self.client.force_login(self.alice)
        self.assertEqual(cell_count(self.client.get(self.heatmap_url), 5, 5), 0)
        r = self.client.get(self.heatmap_url + "?all=1")
        self.assertEqual(cell_count(r, 5, 5), 1)
        link = re.search(r'href="([^"]+)"', cell_html(r, 5, 5)).group(1).replace("&amp;", "&")
        self.assertEqual(link, self.list_url + "?probability=5&impact=5")

    def test_clients_count_shared_risks_only(self) -> None:
        self.client.force_login(self.carol)
        r = self.client.get(self.heatmap_url)
        self.assertEqual(cell_count(r, 4, 5), 1)
        self.assertEqual(cell_count(r, 2, 2), 0)
        self.assertNotContains(r, INTERNAL_MARKER)

    def test_outsiders_get_404(self) -> None:
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(self.heatmap_url).status_code, 404)

    def test_query_count_does_not_grow(self) -> None:
        self.client.force_login(self.alice)
        first = count_queries(self.client, self.heatmap_url)
        for i in range(10):
            make_risk(
                self.project, title=f"More {i}", probability=i % 5 + 1, impact=(i * 3) % 5 + 1
            )
        self.assertEqual(count_queries(self.client, self.heatmap_url), first)


# Create and edit -----------------------------------------------------------------------------


class CreateTests(RiskPagesTestCase):
    url = reverse("risks:create", args=["ACME"])

    def test_a_member_records_a_risk_with_its_first_review(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.post(self.url, risk_form(owner=str(self.alice.pk)))
        risk = Risk.objects.get(title="The client's single sign-on arrives late")
        self.assertRedirects(r, risk.get_absolute_url())
        self.assertEqual((risk.probability, risk.impact, risk.score), (4, 3, 12))
        self.assertEqual(risk.owner, self.alice)
        self.assertEqual(risk.visibility, Visibility.INTERNAL)
        self.assertEqual(risk.reviews.count(), 1)
        self.assertIn(f"Risk {risk.key} was recorded.", messages_of(r))

    def test_the_form_shows_the_meaning_of_each_level_and_only_team_owners(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "3 · Possible: 30–50%")
        self.assertContains(r, "5 · Severe: the project&#x27;s goals are in danger")
        self.assertContains(r, 'type="radio" name="probability"', count=5)
        owners = re.search(r'<select name="owner".*?</select>', r.content.decode(), re.S).group(0)
        self.assertIn("Alice", owners)
        self.assertIn("Bob", owners)
        self.assertNotIn("Carol", owners)
        self.assertNotIn("Vera", owners)
        # The manager chooses who sees the risk.
        self.assertContains(r, 'name="visibility"')

    def test_members_do_not_choose_visibility(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.get(self.url)
        self.assertNotContains(r, 'name="visibility"')
        self.client.post(self.url, risk_form(visibility=Visibility.SHARED))
        risk = Risk.objects.get(title="The client's single sign-on arrives late")
        self.assertEqual(risk.visibility, Visibility.INTERNAL)

    def test_the_manager_shares_a_risk(self) -> None:
        self.client.force_login(self.alice)
        self.client.post(self.url, risk_form(visibility=Visibility.SHARED))
        risk = Risk.objects.get(title="The client's single sign-on arrives late")
        self.assertEqual(risk.visibility, Visibility.SHARED)

    def test_bad_input_keeps_the_input_and_names_the_field(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.url, risk_form(probability="7", owner=str(self.carol.pk)))
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "Nothing was saved", status_code=400)
        self.assertContains(r, 'id="id_probability-error"', status_code=400)
        self.assertContains(r, 'id="id_owner-error"', status_code=400)
        self.assertContains(r, "The identity provider is run by another vendor.", status_code=400)
        self.assertRegex(r.content.decode(), r'name="impact" value="3"[^>]*checked')
        self.assertFalse(Risk.objects.filter(title__contains="single sign-on").exists())

    def test_a_missing_title_is_refused(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.url, risk_form(title=""))
        self.assertContains(r, 'id="id_title-error"', status_code=400)

    def test_clients_and_viewers_are_refused(self) -> None:
        for persona in (self.carol, self.vera, self.staff):
            self.client.force_login(persona)
            self.assertEqual(self.client.get(self.url).status_code, 403)
            self.assertEqual(self.client.post(self.url, risk_form()).status_code, 403)
        self.assertFalse(Risk.objects.filter(title__contains="single sign-on").exists())

    def test_a_heat_map_cell_prefills_the_scores(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url + "?probability=2&impact=5")
        self.assertRegex(r.content.decode(), r'name="probability" value="2"[^>]*checked>')
        self.assertRegex(r.content.decode(), r'name="impact" value="5"[^>]*checked>')


class EditTests(RiskPagesTestCase):
    def test_a_member_edits_and_a_score_change_is_reviewed(self) -> None:
        self.client.force_login(self.bob)
        url = self.url("risks:edit", self.internal)
        r = self.client.get(url)
        self.assertContains(r, INTERNAL_MARKER)
        data = risk_form(title="Renamed risk", probability="5", impact="2", version="1")
        r = self.client.post(url, data)
        self.assertRedirects(r, self.internal.get_absolute_url())
        self.internal.refresh_from_db()
        self.assertEqual((self.internal.title, self.internal.score), ("Renamed risk", 10))
        self.assertEqual(self.internal.reviews.count(), 2)

    def test_a_stale_edit_is_refused_with_a_clear_message(self) -> None:
        self.client.force_login(self.alice)
        url = self.url("risks:edit", self.shared)
        services.risk_update(actor=self.bob, risk=self.shared, data={"title": "Changed by Bob"})
        r = self.client.post(
            url, risk_form(title="Alice's title", version="1", visibility="shared")
        )
        self.assertEqual(r.status_code, 409)
        self.assertContains(r, "Someone else changed this risk", status_code=409)
        self.assertContains(r, "Alice&#x27;s title", status_code=409)
        self.shared.refresh_from_db()
        self.assertEqual(self.shared.title, "Changed by Bob")

    def test_clients_get_404_for_internal_and_403_for_shared(self) -> None:
        self.client.force_login(self.carol)
        self.assertEqual(self.client.get(self.url("risks:edit", self.internal)).status_code, 404)
        self.assertEqual(self.client.get(self.url("risks:edit", self.shared)).status_code, 403)
        self.client.force_login(self.vera)
        self.assertEqual(self.client.get(self.url("risks:edit", self.internal)).status_code, 403)


class DeleteTests(RiskPagesTestCase):
    def test_the_manager_confirms_then_deletes(self) -> None:
        make_action(self.shared)
        self.client.force_login(self.alice)
        url = self.url("risks:delete", self.shared)
        r = self.client.get(url)
        self.assertContains(r, f"Delete {self.shared.key}")
        self.assertContains(r, "its 1 response action go with it")
        r = self.client.post(url, {"version": self.shared.version})
        self.assertRedirects(r, self.list_url)
        self.assertFalse(Risk.objects.filter(pk=self.shared.pk).exists())

    def test_members_may_not_delete(self) -> None:
        self.client.force_login(self.bob)
        url = self.url("risks:delete", self.shared)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(self.client.post(url).status_code, 403)
        self.assertTrue(Risk.objects.filter(pk=self.shared.pk).exists())


# Detail, reviews and actions -----------------------------------------------------------------


class DetailTests(RiskPagesTestCase):
    def test_the_team_sees_everything_with_edit_controls(self) -> None:
        make_action(self.shared, description="Ask for a test tenant", owner=self.alice)
        make_action(self.shared, description="Escalate to the sponsor", overdue=True)
        services.risk_review(
            actor=self.bob, risk=self.shared, probability=3, impact=5, note="Vendor replied."
        )
        self.client.force_login(self.alice)
        r = self.client.get(self.shared.get_absolute_url())
        self.assertContains(r, SHARED_MARKER)
        self.assertContains(r, "4 · Likely: 50–80%")  # the first review's probability
        self.assertContains(r, "Ask for a test tenant")
        self.assertContains(r, '<span class="badge badge-bad">Overdue</span>', html=True)
        self.assertContains(r, "Vendor replied.")
        self.assertContains(r, "<svg")
        self.assertContains(r, '<polyline class="chart-line"')
        self.assertContains(r, self.url("risks:edit", self.shared))
        self.assertContains(r, self.url("risks:delete", self.shared))
        self.assertContains(r, 'id="review-now"')
        self.assertContains(r, "Add action")
        # The audit trail of the risk.
        self.assertContains(r, 'id="history"')

    def test_clients_see_shared_risks_without_controls(self) -> None:
        action = make_action(self.shared, description="Ask for a test tenant")
        self.client.force_login(self.carol)
        r = self.client.get(self.shared.get_absolute_url())
        self.assertContains(r, SHARED_MARKER)
        self.assertContains(r, "Ask for a test tenant")
        self.assertNotContains(r, self.url("risks:edit", self.shared))
        self.assertNotContains(r, 'id="review-now"')
        self.assertNotContains(r, self.url("risks:action-delete", self.shared, pk=action.pk))
        self.assertEqual(self.client.get(self.internal.get_absolute_url()).status_code, 404)

    def test_viewers_read_only_and_outsiders_404(self) -> None:
        self.client.force_login(self.vera)
        r = self.client.get(self.internal.get_absolute_url())
        self.assertContains(r, INTERNAL_MARKER)
        self.assertNotContains(r, 'id="review-now"')
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(self.shared.get_absolute_url()).status_code, 404)

    def test_query_count_does_not_grow_with_reviews_and_actions(self) -> None:
        self.client.force_login(self.alice)
        url = self.shared.get_absolute_url()
        first = count_queries(self.client, url)
        for i in range(5):
            services.risk_review(actor=self.alice, risk=self.shared, probability=i + 1, impact=3)
            make_action(self.shared, description=f"Step {i}", owner=self.bob)
        self.assertEqual(count_queries(self.client, url), first)


class ReviewTests(RiskPagesTestCase):
    def test_review_now_records_the_new_score(self) -> None:
        self.client.force_login(self.bob)
        url = self.url("risks:review", self.shared)
        r = self.client.post(
            url,
            {
                "probability": "2",
                "impact": "5",
                "status": RiskStatus.MONITORING,
                "note": "Tenant arrived.",
                "version": self.shared.version,
            },
        )
        self.assertRedirects(r, self.shared.get_absolute_url() + "#reviews")
        self.shared.refresh_from_db()
        self.assertEqual((self.shared.score, self.shared.status), (10, RiskStatus.MONITORING))
        review = RiskReview.objects.filter(risk=self.shared).order_by("-id").first()
        self.assertEqual(
            (review.score, review.note, review.reviewed_by), (10, "Tenant arrived.", self.bob)
        )

    def test_a_bad_review_shows_the_errors_on_the_page(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(
            self.url("risks:review", self.shared),
            {"probability": "9", "impact": "5", "status": RiskStatus.OPEN, "note": "Kept note"},
        )
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, 'id="review-probability-error"', status_code=400)
        self.assertContains(r, "Kept note", status_code=400)
        self.assertEqual(self.shared.reviews.count(), 1)

    def test_a_stale_review_is_refused(self) -> None:
        self.client.force_login(self.alice)
        services.risk_review(actor=self.bob, risk=self.shared, probability=1, impact=1)
        r = self.client.post(
            self.url("risks:review", self.shared),
            {"probability": "5", "impact": "5", "status": RiskStatus.OPEN, "version": "1"},
        )
        self.assertContains(r, "Someone else changed this risk", status_code=409)

    def test_clients_and_viewers_may_not_review(self) -> None:
        data = {"probability": "1", "impact": "1", "status": RiskStatus.OPEN}
        self.client.force_login(self.carol)
        self.assertEqual(
            self.client.post(self.url("risks:review", self.shared), data).status_code, 403
        )
        self.assertEqual(
            self.client.post(self.url("risks:review", self.internal), data).status_code, 404
        )
        self.client.force_login(self.vera)
        self.assertEqual(
            self.client.post(self.url("risks:review", self.shared), data).status_code, 403
        )
        self.assertEqual(self.client.get(self.url("risks:review", self.shared)).status_code, 405)
        self.assertEqual(self.shared.reviews.count(), 1)


class ActionTests(RiskPagesTestCase):
    def test_add_complete_reopen_and_delete_an_action(self) -> None:
        self.client.force_login(self.bob)
        due = timezone.localdate() + dt.timedelta(days=7)
        r = self.client.post(
            self.url("risks:action-create", self.shared),
            {
                "description": "Book the vendor workshop",
                "owner": str(self.alice.pk),
                "due_date": due.isoformat(),
            },
        )
        self.assertRedirects(r, self.shared.get_absolute_url() + "#actions")
        action = ResponseAction.objects.get(description="Book the vendor workshop")
        self.assertEqual((action.owner, action.due_date), (self.alice, due))

        complete = self.url("risks:action-complete", self.shared, pk=action.pk)
        self.client.post(complete, {"done": "true"})
        action.refresh_from_db()
        self.assertIsNotNone(action.done_at)
        self.client.post(complete, {"done": "false"})
        action.refresh_from_db()
        self.assertIsNone(action.done_at)

        delete = self.url("risks:action-delete", self.shared, pk=action.pk)
        r = self.client.get(delete)
        self.assertContains(r, "Delete the action “Book the vendor workshop”")
        self.assertTrue(ResponseAction.objects.filter(pk=action.pk).exists())
        r = self.client.post(delete)
        self.assertRedirects(r, self.shared.get_absolute_url() + "#actions")
        self.assertFalse(ResponseAction.objects.filter(pk=action.pk).exists())

    def test_a_past_due_date_is_refused_on_its_field(self) -> None:
        self.client.force_login(self.alice)
        past = timezone.localdate() - dt.timedelta(days=1)
        r = self.client.post(
            self.url("risks:action-create", self.shared),
            {"description": "Too late already", "due_date": past.isoformat()},
        )
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, 'id="action-due_date-error"', status_code=400)
        self.assertContains(r, 'value="Too late already"', status_code=400)
        self.assertFalse(ResponseAction.objects.exists())

    def test_clients_viewers_and_other_risks_actions_are_refused(self) -> None:
        action = make_action(self.shared)
        other = make_action(self.internal)
        complete = self.url("risks:action-complete", self.shared, pk=action.pk)
        self.client.force_login(self.carol)
        self.assertEqual(self.client.post(complete, {"done": "true"}).status_code, 403)
        self.client.force_login(self.vera)
        self.assertEqual(self.client.post(complete, {"done": "true"}).status_code, 403)
        self.client.force_login(self.alice)
        # An action is reached through its own risk only.
        wrong = self.url("risks:action-complete", self.shared, pk=other.pk)
        self.assertEqual(self.client.post(wrong, {"done": "true"}).status_code, 404)
        action.refresh_from_db()
        self.assertIsNone(action.done_at)


# Thresholds ----------------------------------------------------------------------------------


class ThresholdsTests(RiskPagesTestCase):
    url = reverse("risks:thresholds", args=["ACME"])

    def test_the_manager_sets_the_levels(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, 'value="5"')
        r = self.client.post(
            self.url, {"medium_from": "4", "high_from": "8", "critical_from": "15"}
        )
        self.assertRedirects(r, self.url)
        self.project.refresh_from_db()
        thresholds = self.project.risk_thresholds
        self.assertEqual(
            (thresholds.medium_from, thresholds.high_from, thresholds.critical_from), (4, 8, 15)
        )
        r = self.client.get(self.list_url)
        self.assertContains(r, '<span class="badge risk-level level-medium">Medium · 4</span>')

    def test_unordered_levels_are_refused(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(
            self.url, {"medium_from": "8", "high_from": "8", "critical_from": "30"}
        )
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "High must start above medium.", status_code=400)
        self.assertContains(r, 'id="id_critical_from-error"', status_code=400)
        self.assertContains(r, 'value="30"', status_code=400)

    def test_only_the_manager_reaches_it(self) -> None:
        for persona in (self.bob, self.carol, self.vera, self.staff):
            self.client.force_login(persona)
            self.assertEqual(self.client.get(self.url).status_code, 403)
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(self.url).status_code, 404)


# Organisation view and overview card ---------------------------------------------------------


class OrgViewTests(RiskPagesTestCase):
    url = reverse("risks_org:list")

    def test_staff_see_high_and_critical_active_risks_across_projects(self) -> None:
        evil = make_risk(self.other_project, title="EVIL project risk", probability=4, impact=3)
        make_risk(
            self.other_project,
            title="Closed high risk",
            probability=5,
            impact=5,
            status=RiskStatus.CLOSED,
        )
        make_action(
            self.shared,
            description="Next step",
            due_date=timezone.localdate() + dt.timedelta(days=3),
        )
        self.client.force_login(self.staff)
        r = self.client.get(self.url)
        self.assertContains(r, SHARED_MARKER)
        self.assertContains(r, "EVIL project risk")
        self.assertContains(r, evil.key)
        self.assertNotContains(r, INTERNAL_MARKER)  # low
        self.assertNotContains(r, "Closed high risk")
        self.assertContains(r, '<span class="badge risk-level level-critical">Critical · 20</span>')
        self.assertContains(r, '<span class="badge risk-level level-high">High · 12</span>')
        self.assertContains(r, "Bob")  # the owner

    def test_the_register_links_staff_to_it(self) -> None:
        self.client.force_login(self.staff)
        link = f'href="{self.url}"'
        self.assertContains(self.client.get(self.list_url), link)
        self.client.force_login(self.alice)
        self.assertNotContains(self.client.get(self.list_url), link)

    def test_others_are_refused(self) -> None:
        for persona in (self.alice, self.bob, self.carol, self.mallory):
            self.client.force_login(persona)
            self.assertEqual(self.client.get(self.url).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get(self.url).status_code, 302)

    def test_query_count_does_not_grow(self) -> None:
        self.client.force_login(self.staff)
        first = count_queries(self.client, self.url)
        for i in range(5):
            make_risk(self.other_project, title=f"Evil {i}", probability=5, impact=4)
        self.assertEqual(count_queries(self.client, self.url), first)


class OverviewCardTests(RiskPagesTestCase):
    def test_it_lists_the_top_active_risks_and_overdue_actions(self) -> None:
        make_action(self.internal, overdue=True)
        make_action(self.shared, overdue=True)
        self.client.force_login(self.alice)
        r = self.client.get(reverse("projects:overview", args=["ACME"]))
        self.assertContains(r, "Top risks")
        self.assertContains(r, SHARED_MARKER)
        self.assertContains(r, INTERNAL_MARKER)
        self.assertContains(r, '<strong class="overdue-actions-count">2</strong>', html=True)

    def test_clients_see_shared_risks_and_their_actions_only(self) -> None:
        make_action(self.internal, overdue=True)
        make_action(self.shared, overdue=True)
        self.client.force_login(self.carol)
        r = self.client.get(reverse("projects:overview", args=["ACME"]))
        self.assertContains(r, SHARED_MARKER)
        self.assertNotContains(r, INTERNAL_MARKER)
        self.assertContains(r, '<strong class="overdue-actions-count">1</strong>', html=True)

    def test_only_the_five_highest_active_risks_are_listed(self) -> None:
        for i in range(6):
            make_risk(self.project, title=f"Top {i}", probability=5, impact=3)
        make_risk(
            self.project, title="Closed one", probability=5, impact=5, status=RiskStatus.CLOSED
        )
        self.client.force_login(self.alice)
        r = self.client.get(reverse("projects:overview", args=["ACME"]))
        card = re.search(
            r'<article class="risks-card">.*?</article>', r.content.decode(), re.S
        ).group(0)
        self.assertEqual(card.count('class="badge risk-level'), 5)
        self.assertIn(SHARED_MARKER, card)
        self.assertNotIn("Closed one", card)
        self.assertNotIn(INTERNAL_MARKER, card)


class NavTests(RiskPagesTestCase):
    def test_the_project_nav_has_a_risks_tab(self) -> None:
        MembershipFactory(project=self.project, role=Role.MEMBER)
        self.client.force_login(self.carol)
        r = self.client.get(reverse("projects:overview", args=["ACME"]))
        self.assertContains(r, f'<a href="{self.list_url}">Risks</a>', html=True)
        r = self.client.get(self.list_url)
        self.assertContains(
            r, f'<a href="{self.list_url}" aria-current="page">Risks</a>', html=True
        )


class LanguageTests(RiskPagesTestCase):
    def test_every_risk_page_renders_in_the_users_language(self) -> None:
        make_action(self.shared, description="Ask for a test tenant")
        self.alice.language = "zh-hans"
        self.alice.save()
        self.client.force_login(self.alice)
        urls = [
            self.list_url + "?status=active&sort=-due",
            self.heatmap_url,
            reverse("risks:create", args=["ACME"]),
            reverse("risks:thresholds", args=["ACME"]),
            self.shared.get_absolute_url(),
            self.url("risks:edit", self.shared),
            self.url("risks:delete", self.shared),
        ]
        for url in urls:
            r = self.client.get(url)
            self.assertContains(r, '<html lang="zh-hans"', msg_prefix=url)
            # The project tabs come from a complete catalogue already.
            self.assertContains(r, "概览", msg_prefix=url)
