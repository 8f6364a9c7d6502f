"""Baseline pages (list, create, detail, compare) and the comparison itself."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.core.testing import BaseTestCase
from accord.requirements import services
from accord.requirements.baseline_compare import baseline_compare
from accord.requirements.choices import Status, Transition
from accord.requirements.models import Baseline, BaselineItem, Requirement
from accord.requirements.tests.factories import make_requirement


def count_get(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries)


class BaselineTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.export = make_requirement(
            cls.project,
            status=Status.CONFIRMED,
            title="Export the monthly report as PDF",
            description="Any past month.",
        )
        cls.sso = make_requirement(
            cls.project, status=Status.CONFIRMED, title="Sign in with the company account"
        )
        cls.pending = make_requirement(
            cls.project, status=Status.SUBMITTED, title="Dark mode for the portal"
        )
        cls.draft = make_requirement(cls.project, title="Secret internal draft")
        cls.list_url = reverse("requirements:baselines", args=["ACME"])
        cls.create_url = reverse("requirements:baseline-create", args=["ACME"])
        cls.compare_url = reverse("requirements:baseline-compare", args=["ACME"])

    def freeze(self, name: str = "Phase 1 scope") -> Baseline:
        return services.baseline_create(actor=self.alice, project=self.project, name=name)

    def reconfirm(self, requirement: Requirement, **data: str) -> None:
        """Edit a confirmed requirement and have the client confirm the new version."""
        services.requirement_update(actor=self.alice, requirement=requirement, data=data)
        services.requirements_submit(
            actor=self.alice, project=self.project, requirements=[requirement]
        )
        requirement.refresh_from_db()
        services.requirement_confirm(actor=self.dave, requirement=requirement)

    def evolve(self) -> None:
        """After a first baseline: the pending one confirmed (added), SSO withdrawn
        (removed), the export reworded and confirmed again (changed)."""
        services.requirement_confirm(actor=self.dave, requirement=self.pending)
        services.requirement_transition(
            actor=self.alice, requirement=self.sso, transition=Transition.WITHDRAW
        )
        self.reconfirm(self.export, description="Any closed month.")


class BaselineCreateTests(BaselineTestCase):
    def test_it_shows_what_would_be_frozen(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.create_url)
        self.assertContains(r, "This baseline freezes 2 agreed requirements")
        self.assertContains(r, self.export.key)
        self.assertContains(r, "Sign in with the company account")
        self.assertNotContains(r, "Dark mode for the portal")
        self.assertNotContains(r, "Secret internal draft")

    def test_it_freezes_the_confirmed_versions(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.create_url, {"name": "Signed scope", "description": "Phase 1"})
        baseline = Baseline.objects.get()
        self.assertRedirects(r, baseline.get_absolute_url())
        self.assertEqual(baseline.name, "Signed scope")
        items = BaselineItem.objects.filter(baseline=baseline).order_by("requirement__number")
        self.assertEqual(
            [(i.requirement_id, i.version_id) for i in items],
            [
                (self.export.pk, self.export.confirmed_version_id),
                (self.sso.pk, self.sso.confirmed_version_id),
            ],
        )

    def test_it_keeps_input_and_names_the_field_on_a_bad_post(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.create_url, {"name": "", "description": "Kept text"})
        self.assertContains(r, "Kept text", status_code=400)
        self.assertContains(r, 'id="id_name-error"', status_code=400)
        self.assertFalse(Baseline.objects.exists())

    def test_it_refuses_an_empty_set(self) -> None:
        services.requirement_transition(
            actor=self.alice, requirement=self.export, transition=Transition.WITHDRAW
        )
        services.requirement_transition(
            actor=self.alice, requirement=self.sso, transition=Transition.WITHDRAW
        )
        self.client.force_login(self.alice)
        r = self.client.get(self.create_url)
        self.assertContains(r, "Nothing to freeze yet")
        self.assertNotContains(r, "Freeze as baseline")
        r = self.client.post(self.create_url, {"name": "Empty"})
        self.assertContains(r, "nothing to freeze", status_code=400)
        self.assertFalse(Baseline.objects.exists())

    def test_only_the_manager_creates_baselines(self) -> None:
        for user in (self.bob, self.vera, self.carol, self.dave):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.create_url).status_code, 403)
            self.assertEqual(self.client.post(self.create_url, {"name": "x"}).status_code, 403)
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(self.create_url).status_code, 404)
        self.assertFalse(Baseline.objects.exists())

    def test_the_preview_query_count_does_not_grow(self) -> None:
        self.client.force_login(self.alice)
        before = count_get(self.client, self.create_url)
        for n in range(3):
            make_requirement(self.project, status=Status.CONFIRMED, title=f"More {n}")
        self.assertEqual(count_get(self.client, self.create_url), before)


class BaselineListAndDetailTests(BaselineTestCase):
    def test_the_empty_list_says_what_to_do(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.list_url)
        self.assertContains(r, "No baselines yet")
        self.assertContains(r, self.create_url)
        self.client.force_login(self.carol)
        r = self.client.get(self.list_url)
        self.assertContains(r, "No baselines yet")
        self.assertNotContains(r, self.create_url)

    def test_it_lists_baselines_with_counts_and_hashes(self) -> None:
        first = self.freeze("Phase 1 scope")
        self.evolve()
        second = self.freeze("Phase 2 scope")
        self.client.force_login(self.carol)
        r = self.client.get(self.list_url)
        self.assertContains(r, "ACME-B1")
        self.assertContains(r, "ACME-B2")
        self.assertContains(r, first.content_hash[:12])
        self.assertContains(r, second.content_hash[:12])
        r = self.client.get(self.list_url, {"q": "phase 2"})
        self.assertContains(r, "Phase 2 scope")
        self.assertNotContains(r, "Phase 1 scope")
        r = self.client.get(self.list_url, {"q": "nothing like it"})
        self.assertContains(r, "No baselines match this search")

    def test_the_detail_shows_items_hashes_and_verification(self) -> None:
        baseline = self.freeze()
        self.client.force_login(self.dave)
        r = self.client.get(baseline.get_absolute_url())
        self.assertContains(r, baseline.content_hash)
        self.assertContains(r, "Verified")
        self.assertContains(r, self.export.key)
        self.assertContains(r, self.export.confirmed_version.content_hash[:12])
        self.assertNotContains(r, "Secret internal draft")

    def test_the_detail_reports_a_baseline_that_no_longer_verifies(self) -> None:
        baseline = self.freeze()
        Baseline.objects.filter(pk=baseline.pk).update(content_hash="0" * 64)
        self.client.force_login(self.alice)
        r = self.client.get(baseline.get_absolute_url())
        self.assertContains(r, "Does not verify")

    def test_outsiders_and_unknown_baselines_get_404(self) -> None:
        baseline = self.freeze()
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(baseline.get_absolute_url()).status_code, 404)
        self.assertEqual(self.client.get(self.list_url).status_code, 404)
        self.client.force_login(self.alice)
        unknown = reverse("requirements:baseline-detail", args=["ACME", 99])
        self.assertEqual(self.client.get(unknown).status_code, 404)

    def test_query_counts_do_not_grow_with_baselines_or_items(self) -> None:
        baseline = self.freeze()
        self.client.force_login(self.alice)
        list_before = count_get(self.client, self.list_url)
        detail_before = count_get(self.client, baseline.get_absolute_url())
        for n in range(3):
            make_requirement(self.project, status=Status.CONFIRMED, title=f"More {n}")
        bigger = self.freeze("Bigger")
        self.freeze("Biggest")
        self.assertEqual(count_get(self.client, self.list_url), list_before)
        self.assertEqual(count_get(self.client, bigger.get_absolute_url()), detail_before)


class BaselineCompareTests(BaselineTestCase):
    def test_the_comparison_finds_added_removed_and_changed(self) -> None:
        first = self.freeze()
        self.evolve()
        second = self.freeze("Phase 2")
        result = baseline_compare(first, second, user=self.alice)
        self.assertEqual([e.requirement.pk for e in result.added], [self.pending.pk])
        self.assertEqual([e.requirement.pk for e in result.removed], [self.sso.pk])
        self.assertEqual([e.requirement.pk for e in result.changed], [self.export.pk])
        changed = result.changed[0]
        self.assertEqual((changed.old_version.number, changed.new_version.number), (1, 2))
        self.assertEqual([d.name for d in changed.changed_fields], ["description"])
        self.assertEqual(result.unchanged, 0)
        self.assertEqual(result.removed[0].title, "Sign in with the company account")

    def test_today_is_what_a_new_baseline_would_freeze(self) -> None:
        first = self.freeze()
        result = baseline_compare(first, None, user=self.alice)
        self.assertTrue(result.is_identical)
        self.assertEqual(result.unchanged, 2)
        self.evolve()
        result = baseline_compare(first, None, user=self.alice)
        self.assertEqual([e.requirement.pk for e in result.added], [self.pending.pk])
        self.assertEqual([e.requirement.pk for e in result.removed], [self.sso.pk])
        self.assertEqual([e.requirement.pk for e in result.changed], [self.export.pk])

    def test_the_page_shows_the_sections_with_side_by_side_diffs(self) -> None:
        first = self.freeze()
        self.evolve()
        second = self.freeze("Phase 2")
        self.client.force_login(self.dave)
        r = self.client.get(self.compare_url, {"from": first.number, "to": second.number})
        self.assertContains(r, 'id="added"')
        self.assertContains(r, 'id="removed"')
        self.assertContains(r, 'id="changed"')
        self.assertContains(r, "Dark mode for the portal")
        self.assertContains(r, "v1 → v2")
        self.assertContains(r, '<del class="diff-del">past</del>', html=False)
        self.assertContains(r, '<ins class="diff-ins">closed</ins>', html=False)

    def test_by_default_the_latest_baseline_is_compared_with_today(self) -> None:
        self.freeze()
        latest = self.freeze("Latest")
        services.requirement_confirm(actor=self.dave, requirement=self.pending)
        self.client.force_login(self.alice)
        r = self.client.get(self.compare_url)
        self.assertContains(r, f"From {latest.key} to today")
        self.assertContains(r, "1 added")
        self.assertContains(r, "Dark mode for the portal")

    def test_an_unknown_baseline_is_refused_with_the_field_named(self) -> None:
        self.freeze()
        self.client.force_login(self.alice)
        r = self.client.get(self.compare_url, {"from": 42})
        self.assertContains(r, "From:", status_code=400)

    def test_without_baselines_it_says_what_to_do(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.compare_url)
        self.assertContains(r, "No baseline to compare")
        self.assertContains(r, self.create_url)

    def test_the_query_count_does_not_grow_with_the_differences(self) -> None:
        first = self.freeze()
        self.evolve()
        self.client.force_login(self.alice)
        url = f"{self.compare_url}?from={first.number}&to=current"
        before = count_get(self.client, url)
        for n in range(3):
            make_requirement(self.project, status=Status.CONFIRMED, title=f"More {n}")
        self.reconfirm(self.pending, description="Also for the admin pages.")
        self.freeze("Another")
        self.assertEqual(count_get(self.client, url), before)
