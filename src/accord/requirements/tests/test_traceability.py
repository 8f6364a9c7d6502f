"""The traceability matrix: rows, links, coverage gaps and their counts, access."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.core.testing import BaseTestCase
from accord.requirements import services
from accord.requirements import traceability as matrix
from accord.requirements.choices import LinkKind, Status, Transition
from accord.requirements.tests.factories import make_requirement


class TraceabilityTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.export = make_requirement(
            cls.project,
            status=Status.CONFIRMED,
            title="Export the monthly report as PDF",
            criteria=[
                {"style": "free", "text": "The PDF matches the screen."},
                {
                    "style": "gherkin",
                    "given": "a closed month",
                    "when": "I export",
                    "then": "I get a PDF",
                },
            ],
        )
        cls.fonts = make_requirement(
            cls.project, status=Status.IN_REVIEW, title="Embed the fonts", criteria=[]
        )
        cls.audit = make_requirement(cls.project, status=Status.CONFIRMED, title="Keep audit logs")
        cls.gone = make_requirement(cls.project, title="Withdrawn idea")
        services.requirement_transition(
            actor=cls.alice, requirement=cls.gone, transition=Transition.WITHDRAW
        )
        services.link_create(
            actor=cls.alice, source=cls.fonts, target=cls.export, kind=LinkKind.REFINES
        )
        cls.url = reverse("requirements:traceability", args=["ACME"])


class TraceabilitySelectorTests(TraceabilityTestCase):
    def test_the_gaps_are_counted_over_active_requirements(self) -> None:
        scope = matrix.matrix_scope(user=self.alice, project=self.project)
        counts = matrix.gap_counts(scope)
        self.assertEqual(
            counts,
            {"total": 3, "no_criteria": 1, "unconfirmed": 1, "no_links": 1, "no_tasks": 3},
        )

    def test_a_changed_confirmed_requirement_counts_as_unconfirmed(self) -> None:
        services.requirement_update(
            actor=self.alice, requirement=self.audit, data={"description": "Seven years."}
        )
        scope = matrix.matrix_scope(user=self.alice, project=self.project)
        rows = matrix.matrix_rows(scope, gap="unconfirmed")
        self.assertEqual([r.number for r in rows], [self.fonts.number, self.audit.number])

    def test_a_status_brings_withdrawn_requirements_back(self) -> None:
        scope = matrix.matrix_scope(user=self.alice, project=self.project, status="withdrawn")
        self.assertEqual([r.pk for r in scope], [self.gone.pk])

    def test_rows_carry_counts_and_links_in_both_directions(self) -> None:
        scope = matrix.matrix_scope(user=self.alice, project=self.project)
        rows = list(matrix.matrix_rows(scope, sort="-criteria"))
        self.assertEqual(rows[0].pk, self.export.pk)
        self.assertEqual(rows[0].criteria_count, 2)
        matrix.attach_links(rows, self.project)
        by_pk = {row.pk: row for row in rows}
        refines = dict((kind, links) for kind, _label, links in by_pk[self.fonts.pk].link_groups)
        self.assertEqual(
            [(link.direction, link.key) for link in refines[LinkKind.REFINES]],
            [("out", self.export.key)],
        )
        incoming = dict((kind, links) for kind, _label, links in by_pk[self.export.pk].link_groups)
        self.assertEqual(
            [(link.direction, link.key) for link in incoming[LinkKind.REFINES]],
            [("in", self.fonts.key)],
        )
        self.assertEqual(by_pk[self.audit.pk].link_count, 0)

    def test_search_finds_by_key_or_title(self) -> None:
        for q in (self.audit.key, f"R{self.audit.number}", "audit"):
            scope = matrix.matrix_scope(user=self.alice, project=self.project, q=q)
            self.assertEqual([r.pk for r in scope], [self.audit.pk], q)


class TraceabilityViewTests(TraceabilityTestCase):
    def test_the_team_sees_the_matrix_with_gap_counts(self) -> None:
        for user in (self.alice, self.bob, self.vera):
            self.client.force_login(user)
            r = self.client.get(self.url)
            self.assertEqual(r.status_code, 200)
            self.assertContains(r, "Export the monthly report as PDF")
            self.assertContains(r, "Embed the fonts")
            self.assertNotContains(r, "Withdrawn idea")
            self.assertContains(r, '<div class="stat">3</div>', html=False)
            self.assertContains(r, "No acceptance criteria")
            self.assertContains(r, "Not confirmed by the client")
            # No task is linked yet: every row shows the gap in the tasks column.
            self.assertContains(r, '<span class="badge badge-bad">No tasks</span>', count=3)

    def test_the_links_column_names_the_linked_requirement(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, f'→ <span class="key">{self.export.key}</span>', html=False)
        self.assertContains(r, f'← <span class="key">{self.fonts.key}</span>', html=False)

    def test_it_filters_by_gap(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url, {"gap": "no_criteria"})
        self.assertContains(r, "Embed the fonts")
        self.assertNotContains(r, "Export the monthly report as PDF")
        self.assertNotContains(r, "Keep audit logs")
        r = self.client.get(self.url, {"gap": "no_links"})
        self.assertContains(r, "Keep audit logs")
        self.assertNotContains(r, "Embed the fonts")

    def test_an_empty_filter_result_offers_to_clear(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url, {"q": "nothing like it"})
        self.assertContains(r, "No requirements match these filters")

    def test_clients_are_refused_and_outsiders_get_404(self) -> None:
        for user in (self.carol, self.dave):
            self.client.force_login(user)
            r = self.client.get(self.url)
            self.assertEqual(r.status_code, 403)
            self.assertNotContains(r, "Embed the fonts", status_code=403)
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_the_query_count_does_not_grow_with_the_requirements(self) -> None:
        self.client.force_login(self.alice)

        def count(params: dict) -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(self.url, params).status_code, 200)
            return len(queries)

        before = count({})
        filtered = count({"gap": "unconfirmed", "sort": "-criteria"})
        previous = self.audit
        for n in range(4):
            extra = make_requirement(self.project, status=Status.CONFIRMED, title=f"More {n}")
            services.link_create(
                actor=self.alice, source=extra, target=previous, kind=LinkKind.DEPENDS_ON
            )
            previous = extra
        self.assertEqual(count({}), before)
        self.assertEqual(count({"gap": "unconfirmed", "sort": "-criteria"}), filtered)
