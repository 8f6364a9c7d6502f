"""Client review pages: submitting for review, the review page, and the client's decisions."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.core.testing import BaseTestCase
from accord.requirements import services
from accord.requirements.choices import Decision, Status
from accord.requirements.models import ClientDecision, Requirement, Submission
from accord.requirements.tests.factories import make_requirement


class ReviewTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.export = make_requirement(
            cls.project,
            status=Status.IN_REVIEW,
            title="Export the monthly report as PDF",
            description="Managers download the report of any past month.",
        )
        cls.sso = make_requirement(
            cls.project,
            status=Status.IN_REVIEW,
            title="Sign in with the company account",
            description="Staff sign in through ACME's identity provider.",
        )
        cls.draft = make_requirement(cls.project, title="Secret internal draft")
        cls.submit_url = reverse("requirements:submit", args=["ACME"])
        cls.review_url = reverse("requirements:review", args=["ACME"])

    def decision_url(self, name: str, requirement: Requirement) -> str:
        return reverse(f"requirements:{name}", args=["ACME", requirement.number])

    def submit(self, *requirements: Requirement, message: str = "Please review.") -> None:
        services.requirements_submit(
            actor=self.alice, project=self.project, requirements=list(requirements), message=message
        )

    def fresh(self, requirement: Requirement) -> Requirement:
        return Requirement.objects.select_related("current_version", "confirmed_version").get(
            pk=requirement.pk
        )


class SubmitViewTests(ReviewTestCase):
    def test_it_preselects_the_requirements_named_in_the_address(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.submit_url, {"r": [self.export.number]})
        self.assertEqual(r.status_code, 200)
        html = r.content.decode()
        export, sso = self.export.number, self.sso.number
        self.assertIn(f'value="{export}" id="submit-r{export}" checked', html)
        self.assertIn(f'value="{sso}" id="submit-r{sso}" aria-label', html)
        # Drafts have not passed internal review: not offered.
        self.assertNotIn("Secret internal draft", html)

    def test_it_names_preselected_requirements_that_cannot_be_submitted(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.submit_url, {"r": [self.draft.number]})
        self.assertContains(r, f"Not offered here: {self.draft.key}")

    def test_it_submits_the_ticked_requirements_with_the_message(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(
            self.submit_url,
            {"r": [self.export.number, self.sso.number], "message": "Check the export by Friday."},
        )
        self.assertRedirects(r, self.review_url)
        self.assertEqual(self.fresh(self.export).status, Status.SUBMITTED)
        self.assertEqual(self.fresh(self.sso).status, Status.SUBMITTED)
        submission = Submission.objects.get()
        self.assertEqual(submission.message, "Check the export by Friday.")
        self.assertEqual(submission.items.count(), 2)

    def test_it_refuses_an_empty_selection(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.submit_url, {"message": "Nothing ticked"})
        self.assertContains(r, "Select at least one requirement to submit.", status_code=400)
        self.assertContains(r, "Nothing ticked", status_code=400)
        self.assertFalse(Submission.objects.exists())

    def test_it_refuses_a_requirement_the_workflow_does_not_allow(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.submit_url, {"r": [self.export.number, self.draft.number]})
        self.assertContains(r, self.draft.key, status_code=400)
        # All or nothing: the export was not submitted either.
        self.assertEqual(self.fresh(self.export).status, Status.IN_REVIEW)
        self.assertFalse(Submission.objects.exists())

    def test_only_the_manager_submits(self) -> None:
        for user in (self.bob, self.carol, self.dave):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.submit_url).status_code, 403)
            r = self.client.post(self.submit_url, {"r": [self.export.number]})
            self.assertEqual(r.status_code, 403)
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(self.submit_url).status_code, 404)
        self.assertEqual(self.fresh(self.export).status, Status.IN_REVIEW)

    def test_the_query_count_does_not_grow_with_the_candidates(self) -> None:
        self.client.force_login(self.alice)
        url = f"{self.submit_url}?r={self.export.number}"

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(url).status_code, 200)
            return len(queries)

        before = count()
        for n in range(4):
            make_requirement(self.project, status=Status.IN_REVIEW, title=f"More {n}")
        self.assertEqual(count(), before)


class ClientLoopTests(ReviewTestCase):
    def test_the_whole_client_loop_on_pages(self) -> None:
        # The PM submits with a message.
        self.client.force_login(self.alice)
        self.client.post(
            self.submit_url, {"r": [self.export.number], "message": "Is the PDF export right?"}
        )
        # Dave sees it on the review page, with the message and the content.
        self.client.force_login(self.dave)
        r = self.client.get(self.review_url)
        self.assertContains(r, "Export the monthly report as PDF")
        self.assertContains(r, "Is the PDF export right?")
        self.assertContains(r, "Managers download the report of any past month.")
        self.assertContains(r, self.decision_url("return", self.export))
        # Dave returns it with a comment.
        first_hash = self.fresh(self.export).current_version.content_hash
        r = self.client.post(
            self.decision_url("return", self.export),
            {"expected_hash": first_hash, "comment": "Which months? Only closed ones."},
        )
        self.assertRedirects(r, self.review_url)
        returned = ClientDecision.objects.get(requirement=self.export)
        self.assertEqual(returned.decision, Decision.RETURNED)
        self.assertEqual(returned.comment, "Which months? Only closed ones.")
        self.assertEqual(self.fresh(self.export).status, Status.RETURNED)
        self.assertContains(self.client.get(self.review_url), "Nothing awaits your review")
        # The PM edits it (a new version) and submits it again.
        services.requirement_update(
            actor=self.alice,
            requirement=self.export,
            data={"description": "Managers download the report of any closed month."},
        )
        self.client.force_login(self.alice)
        r = self.client.post(
            self.submit_url, {"r": [self.export.number], "message": "Only closed months now."}
        )
        self.assertRedirects(r, self.review_url)
        # Dave opens the decision page: the exact version, its hash and its content.
        export = self.fresh(self.export)
        self.assertEqual(export.current_version.number, 2)
        new_hash = export.current_version.content_hash
        self.client.force_login(self.dave)
        r = self.client.get(self.decision_url("confirm", export))
        self.assertContains(r, new_hash)
        self.assertContains(r, "Managers download the report of any closed month.")
        self.assertContains(r, f'name="expected_hash" value="{new_hash}"')
        self.assertContains(r, "Confirm version 2")
        # Dave confirms with the hash he read; the decision shows it.
        r = self.client.post(
            self.decision_url("confirm", export), {"expected_hash": new_hash}, follow=True
        )
        self.assertContains(r, f"You confirmed {export.key} version 2 (content hash {new_hash})")
        confirmation = ClientDecision.objects.get(decision=Decision.CONFIRMED)
        self.assertEqual(confirmation.content_hash, new_hash)
        self.assertEqual(confirmation.decided_by, self.dave)
        self.assertEqual(confirmation.version.number, 2)
        export = self.fresh(self.export)
        self.assertEqual(export.status, Status.CONFIRMED)
        self.assertEqual(export.confirmed_version.number, 2)
        # The recent decisions on the review page carry the hash too.
        self.assertContains(r, new_hash[:12])

    def test_a_changed_confirmed_requirement_shows_its_diff_on_review(self) -> None:
        confirmed = make_requirement(
            self.project,
            status=Status.CONFIRMED,
            title="Keep audit logs",
            description="For 1 year.",
        )
        services.requirement_update(
            actor=self.alice, requirement=confirmed, data={"description": "For 7 years."}
        )
        self.submit(confirmed)
        self.client.force_login(self.dave)
        r = self.client.get(self.review_url)
        self.assertContains(r, "changed since the confirmed version 1")
        self.assertContains(r, '<del class="diff-del">1</del>', html=False)
        self.assertContains(r, '<ins class="diff-ins">7</ins>', html=False)

    def test_a_returned_and_edited_requirement_shows_what_changed_since_the_return(self) -> None:
        returned = make_requirement(
            self.project, status=Status.RETURNED, title="Export logs", description="As CSV."
        )
        services.requirement_update(
            actor=self.alice, requirement=returned, data={"description": "As CSV or Excel."}
        )
        self.submit(returned)
        self.client.force_login(self.dave)
        r = self.client.get(self.review_url)
        self.assertContains(r, "changed since the version 1 you returned")
        self.assertContains(r, '<ins class="diff-ins"> or Excel</ins>', html=False)


class DecisionTests(ReviewTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        services.requirements_submit(
            actor=cls.alice, project=cls.project, requirements=[cls.export, cls.sso], message="Hi"
        )

    def test_bulk_confirm_confirms_only_the_ticked_requirements(self) -> None:
        self.client.force_login(self.dave)
        export_hash = self.fresh(self.export).current_version.content_hash
        r = self.client.post(
            self.review_url,
            {
                "r": [self.export.number],
                f"h{self.export.number}": export_hash,
                "comment": "Agreed in the workshop.",
            },
        )
        self.assertRedirects(r, self.review_url)
        self.assertEqual(self.fresh(self.export).status, Status.CONFIRMED)
        self.assertEqual(self.fresh(self.sso).status, Status.SUBMITTED)
        decision = ClientDecision.objects.get()
        self.assertEqual(decision.requirement, self.export)
        self.assertEqual(decision.comment, "Agreed in the workshop.")
        self.assertEqual(decision.content_hash, export_hash)

    def test_bulk_confirm_needs_an_explicit_list(self) -> None:
        self.client.force_login(self.dave)
        r = self.client.post(self.review_url, {"comment": "all of them"})
        self.assertContains(r, "Tick the requirements you confirm.", status_code=400)
        self.assertFalse(ClientDecision.objects.exists())

    def test_bulk_confirm_refuses_all_when_one_changed_since_it_was_read(self) -> None:
        self.client.force_login(self.dave)
        read = {
            f"h{req.number}": self.fresh(req).current_version.content_hash
            for req in (self.export, self.sso)
        }
        services.requirement_update(
            actor=self.alice, requirement=self.sso, data={"title": "Sign in with SSO"}
        )
        r = self.client.post(self.review_url, {"r": [self.export.number, self.sso.number], **read})
        self.assertContains(r, "changed since you opened it", status_code=400)
        self.assertFalse(ClientDecision.objects.exists())
        self.assertEqual(self.fresh(self.export).status, Status.SUBMITTED)

    def test_a_stale_hash_is_refused_and_the_new_version_shown(self) -> None:
        self.client.force_login(self.dave)
        old_hash = self.fresh(self.export).current_version.content_hash
        services.requirement_update(
            actor=self.alice,
            requirement=self.export,
            data={"description": "Managers download any month, also as CSV."},
        )
        new_hash = self.fresh(self.export).current_version.content_hash
        r = self.client.post(self.decision_url("confirm", self.export), {"expected_hash": old_hash})
        self.assertContains(r, "The requirement changed since you opened it", status_code=409)
        self.assertContains(r, "also as CSV", status_code=409)
        self.assertContains(r, f'value="{new_hash}"', status_code=409)
        self.assertFalse(ClientDecision.objects.exists())
        self.assertEqual(self.fresh(self.export).status, Status.SUBMITTED)

    def test_returning_needs_a_comment(self) -> None:
        self.client.force_login(self.dave)
        current = self.fresh(self.export).current_version.content_hash
        r = self.client.post(
            self.decision_url("return", self.export), {"expected_hash": current, "comment": " "}
        )
        self.assertContains(r, "a comment is required", status_code=400)
        self.assertFalse(ClientDecision.objects.exists())

    def test_rejecting_records_the_decision_with_its_comment(self) -> None:
        self.client.force_login(self.dave)
        current = self.fresh(self.sso).current_version.content_hash
        r = self.client.get(self.decision_url("reject", self.sso))
        self.assertContains(r, "Reject requirement")
        r = self.client.post(
            self.decision_url("reject", self.sso),
            {"expected_hash": current, "comment": "We keep passwords."},
        )
        self.assertRedirects(r, self.review_url)
        decision = ClientDecision.objects.get()
        self.assertEqual((decision.decision, decision.comment), ("rejected", "We keep passwords."))
        self.assertEqual(self.fresh(self.sso).status, Status.REJECTED)

    def test_clients_without_authority_and_the_team_cannot_decide(self) -> None:
        current = self.fresh(self.export).current_version.content_hash
        for user in (self.carol, self.bob, self.alice, self.vera):
            self.client.force_login(user)
            for name in ("confirm", "return", "reject"):
                url = self.decision_url(name, self.export)
                self.assertEqual(self.client.get(url).status_code, 403, (user, name))
                r = self.client.post(url, {"expected_hash": current, "comment": "ok"})
                self.assertEqual(r.status_code, 403, (user, name))
            r = self.client.post(
                self.review_url, {"r": [self.export.number], f"h{self.export.number}": current}
            )
            self.assertEqual(r.status_code, 403)
        self.assertFalse(ClientDecision.objects.exists())
        self.assertEqual(self.fresh(self.export).status, Status.SUBMITTED)

    def test_approvers_cannot_open_drafts_or_other_projects(self) -> None:
        self.client.force_login(self.dave)
        self.assertEqual(self.client.get(self.decision_url("confirm", self.draft)).status_code, 404)
        evil = reverse("requirements:confirm", args=["EVIL", 1])
        self.assertEqual(self.client.get(evil).status_code, 404)

    def test_deciding_twice_is_refused_with_a_message(self) -> None:
        current = self.fresh(self.export).current_version.content_hash
        services.requirement_confirm(actor=self.dave, requirement=self.export)
        self.client.force_login(self.dave)
        r = self.client.post(self.decision_url("confirm", self.export), {"expected_hash": current})
        self.assertContains(r, "cannot take the step", status_code=400)
        self.assertEqual(ClientDecision.objects.count(), 1)

    def test_a_decided_requirement_offers_no_form(self) -> None:
        services.requirement_confirm(actor=self.dave, requirement=self.export)
        self.client.force_login(self.dave)
        r = self.client.get(self.decision_url("confirm", self.export))
        self.assertContains(r, "not awaiting a decision")
        self.assertNotContains(r, 'name="expected_hash"')


class ReviewPageTests(ReviewTestCase):
    def test_the_team_reads_what_awaits_the_client_without_buttons(self) -> None:
        self.submit(self.export, message="For the steering committee")
        for user in (self.bob, self.vera, self.carol):
            self.client.force_login(user)
            r = self.client.get(self.review_url)
            self.assertContains(r, "Export the monthly report as PDF")
            self.assertContains(r, "For the steering committee")
            self.assertNotContains(r, self.decision_url("confirm", self.export))
            self.assertNotContains(r, "Confirm selected")

    def test_approvers_get_the_buttons_and_the_bulk_form(self) -> None:
        self.submit(self.export)
        self.client.force_login(self.dave)
        r = self.client.get(self.review_url)
        self.assertContains(r, self.decision_url("confirm", self.export))
        self.assertContains(r, "Confirm selected")
        self.assertContains(r, f'name="r" value="{self.export.number}" form="bulk-confirm"')

    def test_the_empty_state_says_what_happens_next(self) -> None:
        self.client.force_login(self.dave)
        r = self.client.get(self.review_url)
        self.assertContains(r, "Nothing awaits your review")
        self.client.force_login(self.alice)
        r = self.client.get(self.review_url)
        self.assertContains(r, self.submit_url)

    def test_clients_see_no_internal_requirement_in_recent_decisions(self) -> None:
        returned = make_requirement(
            self.project, status=Status.RETURNED, title="Reworked internally"
        )
        services.requirement_transition(actor=self.alice, requirement=returned, transition="rework")
        self.client.force_login(self.dave)
        r = self.client.get(self.review_url)
        self.assertNotContains(r, "Reworked internally")
        self.assertNotContains(r, "Secret internal draft")
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.review_url), "Reworked internally")

    def test_clients_have_a_review_tab_and_the_team_a_requirements_tab(self) -> None:
        self.client.force_login(self.carol)
        r = self.client.get(reverse("projects:overview", args=["ACME"]))
        self.assertContains(r, f'<a href="{self.review_url}">Review</a>', html=True)
        r = self.client.get(self.review_url)
        self.assertContains(
            r, f'<a href="{self.review_url}" aria-current="page">Review</a>', html=True
        )
        self.client.force_login(self.bob)
        r = self.client.get(self.review_url)
        self.assertNotContains(r, ">Review</a>")
        list_url = reverse("requirements:list", args=["ACME"])
        self.assertContains(
            r, f'<a href="{list_url}" aria-current="page">Requirements</a>', html=True
        )

    def test_outsiders_get_404(self) -> None:
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(self.review_url).status_code, 404)

    def test_the_query_count_does_not_grow_with_the_awaiting_requirements(self) -> None:
        confirmed = make_requirement(self.project, status=Status.CONFIRMED, title="Audit logs")
        services.requirement_update(
            actor=self.alice, requirement=confirmed, data={"description": "Seven years."}
        )
        self.submit(self.export, confirmed)
        self.client.force_login(self.dave)

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(self.review_url).status_code, 200)
            return len(queries)

        before = count()
        more = [
            make_requirement(self.project, status=Status.IN_REVIEW, title=f"More {n}")
            for n in range(3)
        ]
        self.submit(*more, message="Second batch")
        self.submit(self.sso, message="Third batch")
        services.requirement_return(actor=self.dave, requirement=more[0], comment="No")
        self.assertEqual(count(), before)
