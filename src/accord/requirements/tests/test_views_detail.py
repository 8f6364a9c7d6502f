"""The requirement detail page and what it offers: versions, diffs, workflow steps, criteria
verification, discussion and links, for every persona."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.core.choices import Visibility
from accord.core.testing import BaseTestCase
from accord.requirements import services
from accord.requirements.choices import Status
from accord.requirements.models import AcceptanceCriterion, Comment, Requirement, RequirementLink
from accord.requirements.tests.factories import make_requirement
from accord.requirements.views import detail

DRAFT_TITLE = "Draft-only wording for the admin console"
INTERNAL_NOTE = "Internal note: the estimate is shaky"
SHARED_NOTE = "Shared note: please check the wording"


def url(name: str, requirement: Requirement, *extra: Any) -> str:
    return reverse(f"requirements:{name}", args=["ACME", requirement.number, *extra])


class DetailTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.shared = make_requirement(
            cls.project,
            status=Status.SUBMITTED,
            title="Export the monthly report as PDF",
            background="Managers print it for the **board**.",
            description="<script>alert(1)</script> Any *past* month.",
            source_stakeholder="Ms Chen, finance",
            source_reference="https://wiki.example.com/interviews/7",
            criteria=[
                {"style": "free", "text": "The PDF matches the on-screen report."},
                {
                    "style": "gherkin",
                    "given": "a past month",
                    "when": "the manager exports it",
                    "then": "a PDF downloads",
                },
            ],
            tags=["reporting"],
        )
        cls.draft = make_requirement(cls.project, title=DRAFT_TITLE)
        cls.internal_comment = services.comment_create(
            actor=cls.bob, requirement=cls.shared, body=INTERNAL_NOTE, visibility="internal"
        )
        cls.shared_comment = services.comment_create(
            actor=cls.alice, requirement=cls.shared, body=SHARED_NOTE, visibility="shared"
        )

    def get(self, user: Any, address: str, **params: Any) -> Any:
        self.client.force_login(user)
        return self.client.get(address, params)


class DetailContentTests(DetailTestCase):
    def test_the_team_sees_the_whole_requirement(self) -> None:
        r = self.get(self.alice, url("detail", self.shared))
        self.assertContains(r, "ACME-R1")
        self.assertContains(r, "Export the monthly report as PDF")
        self.assertContains(r, "Submitted to client")
        self.assertContains(r, "<strong>board</strong>", html=False)
        self.assertContains(r, "Ms Chen, finance")
        self.assertContains(r, "reporting")
        self.assertContains(r, "The PDF matches the on-screen report.")
        self.assertContains(r, "the manager exports it")
        self.assertContains(r, INTERNAL_NOTE)
        self.assertContains(r, SHARED_NOTE)
        version = self.shared.current_version
        self.assertContains(r, f'title="{version.content_hash}"')
        self.assertContains(r, version.content_hash[:12])
        # Editors get the link and verification forms, and the mention handles.
        self.assertContains(r, url("link-create", self.shared))
        self.assertContains(r, "Record verification")
        self.assertContains(r, "@carol")
        self.assertContains(r, 'name="comment-visibility"')

    def test_markdown_is_rendered_and_sanitised(self) -> None:
        r = self.get(self.bob, url("detail", self.shared))
        self.assertContains(r, "<em>past</em>", html=False)
        self.assertNotContains(r, "<script>alert(1)</script>", html=False)

    def test_the_source_record_is_a_link_only_when_it_is_a_web_address(self) -> None:
        r = self.get(self.alice, url("detail", self.shared))
        self.assertContains(r, 'href="https://wiki.example.com/interviews/7"')
        services.requirement_update(
            actor=self.alice,
            requirement=self.draft,
            data={"source_reference": "javascript:alert(1)"},
        )
        r = self.get(self.alice, url("detail", self.draft))
        self.assertContains(r, "javascript:alert(1)")
        self.assertNotContains(r, 'href="javascript:alert(1)"')

    def test_clients_see_shared_comments_only_and_no_team_forms(self) -> None:
        for client_user in (self.carol, self.dave):
            r = self.get(client_user, url("detail", self.shared))
            self.assertEqual(r.status_code, 200)
            self.assertContains(r, SHARED_NOTE)
            self.assertNotContains(r, INTERNAL_NOTE)
            self.assertNotContains(r, url("link-create", self.shared))
            self.assertNotContains(r, "Record verification")
            # Clients may comment, but only shared: no visibility choice.
            self.assertContains(r, url("comment-create", self.shared))
            self.assertNotContains(r, 'name="comment-visibility"')

    def test_a_draft_is_not_found_for_clients_and_outsiders(self) -> None:
        for user in (self.carol, self.dave, self.mallory):
            r = self.get(user, url("detail", self.draft))
            self.assertEqual(r.status_code, 404, user)
            self.assertNotContains(r, DRAFT_TITLE, status_code=404)
        self.assertEqual(self.get(self.vera, url("detail", self.draft)).status_code, 200)

    def test_clients_do_not_see_draft_parents_children_or_links(self) -> None:
        child = make_requirement(self.project, title="Child in draft", parent=self.shared)
        services.link_create(actor=self.bob, source=self.shared, target=self.draft, kind="refines")
        r = self.get(self.alice, url("detail", self.shared))
        self.assertContains(r, "Child in draft")
        self.assertContains(r, DRAFT_TITLE)
        r = self.get(self.carol, url("detail", self.shared))
        self.assertNotContains(r, "Child in draft")
        self.assertNotContains(r, DRAFT_TITLE)
        self.assertNotContains(r, f"ACME-R{child.number}")

    def test_viewers_read_without_forms_or_steps(self) -> None:
        r = self.get(self.vera, url("detail", self.shared))
        self.assertContains(r, INTERNAL_NOTE)
        self.assertNotContains(r, url("comment-create", self.shared))
        self.assertNotContains(r, url("link-create", self.shared))
        self.assertNotContains(r, url("transition", self.shared))

    def test_steps_are_those_the_workflow_offers_the_user(self) -> None:
        r = self.get(self.alice, url("detail", self.shared))
        self.assertContains(r, f"{url('transition', self.shared)}?transition=recall")
        self.assertNotContains(r, "?transition=send_to_review")
        r = self.get(self.dave, url("detail", self.shared))
        self.assertContains(r, url("confirm", self.shared))
        self.assertContains(r, url("return", self.shared))
        self.assertNotContains(r, "?transition=recall")
        r = self.get(self.carol, url("detail", self.shared))
        self.assertNotContains(r, url("confirm", self.shared))

    def test_the_manager_is_sent_to_the_submit_page(self) -> None:
        in_review = make_requirement(self.project, status=Status.IN_REVIEW, title="Ready")
        submit = reverse("requirements:submit", args=["ACME"]) + f"?r={in_review.number}"
        self.assertContains(self.get(self.alice, url("detail", in_review)), submit)
        self.assertNotContains(self.get(self.bob, url("detail", in_review)), submit)

    def test_changed_since_confirmation_is_shown_to_everyone(self) -> None:
        confirmed = make_requirement(self.project, status=Status.CONFIRMED, title="Agreed")
        r = self.get(self.carol, url("detail", confirmed))
        self.assertNotContains(r, "needs reconfirmation")
        self.assertContains(r, "Confirmed by Dave")
        services.requirement_update(
            actor=self.alice, requirement=confirmed, data={"description": "Wider scope."}
        )
        for user in (self.alice, self.carol, self.vera):
            r = self.get(user, url("detail", confirmed))
            self.assertContains(r, "Changed since confirmation — needs reconfirmation.")
            self.assertContains(r, f"{url('diff', confirmed)}?from=1&amp;to=2")

    def test_confirmations_show_who_which_version_and_hash(self) -> None:
        confirmed = make_requirement(self.project, status=Status.CONFIRMED)
        decision = confirmed.decisions.get()
        r = self.get(self.vera, url("detail", confirmed))
        self.assertContains(r, "Client decisions")
        self.assertContains(r, "by Dave")
        self.assertContains(r, f'title="{decision.content_hash}"')
        self.assertContains(r, url("version", confirmed, 1))

    def test_version_times_are_in_the_users_time_zone(self) -> None:
        with time_machine.travel(dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC), tick=False):
            requirement = make_requirement(self.project, title="Timed")
        self.alice.time_zone = "Asia/Shanghai"
        self.alice.save(update_fields=["time_zone"])
        r = self.get(self.alice, url("detail", requirement))
        # 23:30 UTC is 07:30 the next morning in Shanghai.
        self.assertContains(r, "2026-03-03 07:30")

    def test_history_lists_the_requirements_audit_records(self) -> None:
        r = self.get(self.alice, url("detail", self.shared))
        self.assertContains(r, "created a requirement")
        self.assertContains(r, "sent a requirement to internal review")
        self.assertNotContains(r, "changes are shown")

    def test_a_long_history_shows_the_latest_records_and_where_the_rest_is(self) -> None:
        with mock.patch.object(detail, "HISTORY_LIMIT", 2):
            r = self.get(self.alice, url("detail", self.shared))
        self.assertContains(r, "The latest 2 changes are shown.")
        self.assertContains(r, reverse("projects:history", args=["ACME"]))
        self.assertNotContains(r, "created a requirement")


class QueryCountTests(DetailTestCase):
    def grow(self, requirement: Requirement, n: int) -> None:
        """n more versions, criteria, comments and links."""
        targets = [make_requirement(self.project, title=f"Target {i}") for i in range(n)]
        for i in range(n):
            services.requirement_update(
                actor=self.alice,
                requirement=requirement,
                data={"description": f"Revision {i} of the text."},
                criteria=[{"style": "free", "text": f"Criterion {j}"} for j in range(i + 1)],
            )
            services.comment_create(
                actor=self.bob, requirement=requirement, body=f"Comment {i}", visibility="internal"
            )
            services.link_create(
                actor=self.bob, source=requirement, target=targets[i], kind="depends_on"
            )
            services.link_create(
                actor=self.bob, source=targets[i], target=requirement, kind="refines"
            )

    def count(self, user: Any, address: str) -> int:
        self.client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(address)
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def test_the_detail_page_does_not_grow_with_its_content(self) -> None:
        requirement = make_requirement(self.project, title="Growing")
        self.grow(requirement, 2)
        small = self.count(self.alice, url("detail", requirement))
        self.grow(requirement, 4)
        self.assertEqual(self.count(self.alice, url("detail", requirement)), small)
        self.assertLessEqual(small, 20)
        client_view = self.count(self.carol, url("detail", self.shared))
        self.assertLessEqual(client_view, 20)

    def test_the_diff_page_does_not_grow_with_the_versions(self) -> None:
        requirement = make_requirement(self.project, title="Growing")
        self.grow(requirement, 2)
        small = self.count(self.alice, url("diff", requirement))
        self.grow(requirement, 4)
        self.assertEqual(self.count(self.alice, url("diff", requirement)), small)


class VersionViewTests(DetailTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # v1 written as a draft, v2 before submission: the client is shown v2 only.
        cls.reworded = make_requirement(cls.project, title="Reworded", description="Old words.")
        services.requirement_update(
            actor=cls.alice, requirement=cls.reworded, data={"description": "New words."}
        )
        from accord.requirements.tests.factories import advance

        advance(cls.reworded, Status.SUBMITTED)

    def test_the_team_sees_any_version_with_its_content_and_hash(self) -> None:
        r = self.get(self.bob, url("version", self.reworded, 1))
        self.assertContains(r, "Version 1")
        self.assertContains(r, "Old words.")
        self.assertNotContains(r, "New words.")
        version = self.reworded.versions.get(number=1)
        self.assertContains(r, version.content_hash)
        self.assertContains(r, "1. The PDF matches the on-screen report.")
        self.assertContains(r, f"{url('diff', self.reworded)}?from=1&amp;to=2")

    def test_a_version_the_client_was_never_shown_is_not_found(self) -> None:
        self.assertEqual(self.get(self.carol, url("version", self.reworded, 1)).status_code, 404)
        r = self.get(self.carol, url("version", self.reworded, 2))
        self.assertContains(r, "New words.")
        # No way back to the hidden version from the page the client sees.
        self.assertNotContains(r, "?from=1")
        self.assertEqual(self.get(self.alice, url("version", self.reworded, 9)).status_code, 404)

    def test_the_client_sees_only_the_versions_shown_to_them(self) -> None:
        r = self.get(self.carol, url("detail", self.reworded))
        self.assertContains(r, url("version", self.reworded, 2))
        self.assertNotContains(r, url("version", self.reworded, 1))


class DiffViewTests(DetailTestCase):
    def reword(self, requirement: Requirement, **data: Any) -> None:
        services.requirement_update(actor=self.alice, requirement=requirement, data=data)

    def test_by_default_the_previous_version_is_compared_with_the_current(self) -> None:
        requirement = make_requirement(
            self.project, title="Diffed", description="Managers download the report."
        )
        self.reword(requirement, description="Managers print the report.")
        self.reword(requirement, description="Managers print the yearly report.")
        r = self.get(self.alice, url("diff", requirement))
        self.assertContains(r, "Version 2 → version 3")
        self.assertContains(r, '<ins class="diff-ins">yearly </ins>report.', html=False)
        self.assertContains(r, "1 field changed")
        # The changed field is expanded, unchanged ones are folded.
        self.assertContains(r, '<details class="diff-field" open>', count=1, html=False)
        self.assertContains(r, '<option value="2" selected>v2</option>', html=False)

    def test_english_is_highlighted_word_by_word(self) -> None:
        requirement = make_requirement(
            self.project, title="Diffed", description="Managers download the report."
        )
        self.reword(requirement, description="Managers print the report.")
        r = self.get(self.bob, url("diff", requirement), **{"from": 1, "to": 2})
        self.assertContains(r, '<del class="diff-del">download</del>', html=False)
        self.assertContains(r, '<ins class="diff-ins">print</ins>', html=False)

    def test_chinese_is_highlighted_character_by_character(self) -> None:
        requirement = make_requirement(
            self.project, title="支持导出月度报表", description="经理可以下载任意月份的报表。"
        )
        self.reword(requirement, title="支持打印月度报表")
        r = self.get(self.bob, url("diff", requirement), **{"from": 1, "to": 2})
        self.assertContains(r, '<del class="diff-del">导出</del>月度报表', html=False)
        self.assertContains(r, '<ins class="diff-ins">打印</ins>月度报表', html=False)

    def test_clients_compare_only_versions_they_were_shown(self) -> None:
        requirement = make_requirement(self.project, title="Diffed", description="Old words.")
        self.reword(requirement, description="New words.")
        from accord.requirements.tests.factories import advance

        advance(requirement, Status.SUBMITTED)
        r = self.get(self.carol, url("diff", requirement), **{"from": 1, "to": 2})
        self.assertEqual(r.status_code, 404)
        r = self.get(self.carol, url("diff", requirement))
        self.assertContains(r, "Only one version exists")
        self.assertNotContains(r, "Old words.")

    def test_the_first_version_alone_has_nothing_to_compare_with(self) -> None:
        requirement = make_requirement(self.project, title="Diffed")
        r = self.get(self.alice, url("diff", requirement))
        self.assertContains(r, "Only one version exists")
        self.reword(requirement, description="Changed.")
        r = self.get(self.alice, url("diff", requirement), to=1)
        self.assertContains(r, "Version 1 is the first version")
        self.assertNotContains(r, "diff-field")

    def test_nonsense_versions_are_not_found(self) -> None:
        r = self.get(self.alice, url("diff", self.shared), **{"from": "x", "to": 1})
        self.assertEqual(r.status_code, 404)
        r = self.get(self.alice, url("diff", self.shared), **{"from": 1, "to": 7})
        self.assertEqual(r.status_code, 404)


class TransitionViewTests(DetailTestCase):
    def test_the_confirmation_page_names_the_step_and_its_effect(self) -> None:
        r = self.get(self.bob, url("transition", self.draft), transition="send_to_review")
        self.assertContains(r, "Send to internal review")
        self.assertContains(r, "from “Draft” to “In internal review”")
        self.assertContains(r, "The client does not see it yet.")
        self.assertContains(r, f'name="version" value="{self.draft.version}"', html=False)

    def test_posting_takes_the_step(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.post(
            url("transition", self.draft),
            {"transition": "send_to_review", "version": self.draft.version, "comment": "Ready"},
            follow=True,
        )
        self.assertRedirects(r, url("detail", self.draft))
        self.draft.refresh_from_db()
        self.assertEqual(self.draft.status, Status.IN_REVIEW)
        self.assertContains(r, "“Send to internal review” done; it is now “In internal review”.")

    def test_a_step_the_user_may_not_take_is_refused_with_a_message(self) -> None:
        # Withdrawing is the manager's step; bob is a member.
        r = self.get(self.bob, url("transition", self.draft), transition="withdraw")
        self.assertRedirects(r, url("detail", self.draft), fetch_redirect_response=False)
        self.client.force_login(self.bob)
        r = self.client.post(
            url("transition", self.draft),
            {"transition": "withdraw", "version": self.draft.version},
            follow=True,
        )
        self.assertContains(r, "You are not allowed to take the step “Withdraw”")
        self.draft.refresh_from_db()
        self.assertEqual(self.draft.status, Status.DRAFT)

    def test_a_step_the_table_does_not_allow_is_refused(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(
            url("transition", self.draft),
            {"transition": "implement", "version": self.draft.version},
            follow=True,
        )
        self.assertContains(r, "cannot take the step “Mark implemented”")
        self.draft.refresh_from_db()
        self.assertEqual(self.draft.status, Status.DRAFT)

    def test_a_stale_step_is_refused(self) -> None:
        stale = self.draft.version
        services.requirement_update(
            actor=self.alice, requirement=self.draft, data={"title": "Renamed meanwhile"}
        )
        self.client.force_login(self.bob)
        r = self.client.post(
            url("transition", self.draft),
            {"transition": "send_to_review", "version": stale},
            follow=True,
        )
        self.draft.refresh_from_db()
        self.assertEqual(self.draft.status, Status.DRAFT)
        self.assertContains(r, "message-error")

    def test_a_client_approver_accepts_a_verified_requirement_here(self) -> None:
        verified = make_requirement(self.project, status=Status.VERIFIED, title="Built")
        r = self.get(self.dave, url("detail", verified))
        self.assertContains(r, f"{url('transition', verified)}?transition=accept")
        r = self.get(self.dave, url("transition", verified), transition="accept")
        self.assertContains(r, "You accept the implemented requirement on the client")
        r = self.client.post(
            url("transition", verified),
            {"transition": "accept", "version": verified.version, "comment": "Works for us."},
            follow=True,
        )
        verified.refresh_from_db()
        self.assertEqual(verified.status, Status.ACCEPTED)
        self.assertContains(r, '<span class="badge badge-ok">Accepted</span>', html=True)
        self.assertContains(r, "Works for us.")
        # Carol, a client without signing authority, gets no such step.
        other = make_requirement(self.project, status=Status.VERIFIED, title="Built too")
        r = self.get(self.carol, url("detail", other))
        self.assertNotContains(r, "?transition=accept")

    def test_decisions_are_not_taken_here(self) -> None:
        self.client.force_login(self.dave)
        r = self.client.post(
            url("transition", self.shared),
            {"transition": "confirm", "version": self.shared.version},
            follow=True,
        )
        self.assertContains(r, "This step has its own page")
        self.shared.refresh_from_db()
        self.assertEqual(self.shared.status, Status.SUBMITTED)

    def test_without_a_step_the_page_lists_the_steps_on_offer(self) -> None:
        r = self.get(self.alice, url("transition", self.draft))
        self.assertContains(r, "?transition=send_to_review")
        self.assertContains(r, "?transition=withdraw")

    def test_people_without_any_step_are_forbidden(self) -> None:
        for user in (self.carol, self.vera):
            self.assertEqual(self.get(user, url("transition", self.shared)).status_code, 403)
        self.assertEqual(self.get(self.carol, url("transition", self.draft)).status_code, 404)


class CommentViewTests(DetailTestCase):
    def post(self, user: Any, requirement: Requirement, **data: Any) -> Any:
        self.client.force_login(user)
        return self.client.post(
            url("comment-create", requirement), {f"comment-{k}": v for k, v in data.items()}
        )

    def test_the_team_posts_internal_or_shared_comments(self) -> None:
        r = self.post(self.bob, self.shared, body="Team only, @alice", visibility="internal")
        comment = Comment.objects.latest("id")
        self.assertRedirects(
            r, url("detail", self.shared) + f"#comment-{comment.pk}", fetch_redirect_response=False
        )
        self.assertEqual(comment.visibility, Visibility.INTERNAL)
        self.assertEqual(comment.author, self.bob)
        self.post(self.bob, self.shared, body="For the client", visibility="shared")
        self.assertEqual(Comment.objects.latest("id").visibility, Visibility.SHARED)

    def test_a_client_comment_is_always_shared(self) -> None:
        self.post(self.carol, self.shared, body="Looks right to us.", visibility="internal")
        comment = Comment.objects.latest("id")
        self.assertEqual(comment.body, "Looks right to us.")
        self.assertEqual(comment.visibility, Visibility.SHARED)
        r = self.get(self.dave, url("detail", self.shared))
        self.assertContains(r, "Looks right to us.")

    def test_comments_on_a_draft_stay_internal(self) -> None:
        r = self.get(self.bob, url("detail", self.draft))
        self.assertNotContains(r, 'name="comment-visibility"')
        self.assertContains(r, "comments stay internal")
        self.post(self.bob, self.draft, body="Draft thoughts")
        self.assertEqual(Comment.objects.latest("id").visibility, Visibility.INTERNAL)

    def test_an_empty_comment_is_refused_on_its_field(self) -> None:
        r = self.post(self.bob, self.shared, body="   ", visibility="internal")
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "field-error", status_code=400)
        self.assertEqual(Comment.objects.count(), 2)

    def test_viewers_and_outsiders_cannot_comment(self) -> None:
        self.assertEqual(self.post(self.vera, self.shared, body="x").status_code, 403)
        self.assertEqual(self.post(self.mallory, self.shared, body="x").status_code, 404)
        self.assertEqual(self.post(self.carol, self.draft, body="x").status_code, 404)
        self.assertEqual(Comment.objects.count(), 2)

    def test_deleting_asks_first_then_deletes(self) -> None:
        address = url("comment-delete", self.shared, self.internal_comment.pk)
        r = self.get(self.bob, address)
        self.assertContains(r, "Delete this comment by Bob")
        self.assertContains(r, INTERNAL_NOTE)
        self.assertTrue(Comment.objects.filter(pk=self.internal_comment.pk).exists())
        r = self.client.post(address)
        self.assertRedirects(r, url("detail", self.shared) + "#discussion",
                             fetch_redirect_response=False)  # fmt: skip
        self.assertFalse(Comment.objects.filter(pk=self.internal_comment.pk).exists())

    def test_only_the_author_or_the_manager_deletes(self) -> None:
        address = url("comment-delete", self.shared, self.shared_comment.pk)
        self.assertEqual(self.get(self.bob, address).status_code, 403)
        self.assertEqual(self.get(self.carol, address).status_code, 403)
        # A client does not learn that an internal comment exists.
        internal = url("comment-delete", self.shared, self.internal_comment.pk)
        self.assertEqual(self.get(self.carol, internal).status_code, 404)
        self.client.force_login(self.alice)
        self.client.post(internal)
        self.assertFalse(Comment.objects.filter(pk=self.internal_comment.pk).exists())


class LinkViewTests(DetailTestCase):
    def post(self, user: Any, **data: Any) -> Any:
        self.client.force_login(user)
        return self.client.post(
            url("link-create", self.shared), {f"link-{k}": v for k, v in data.items()}
        )

    def test_a_link_to_a_requirement_of_the_project_is_made(self) -> None:
        r = self.post(self.bob, kind="depends_on", target=f"ACME-R{self.draft.number}")
        self.assertRedirects(r, url("detail", self.shared) + "#links",
                             fetch_redirect_response=False)  # fmt: skip
        link = RequirementLink.objects.get()
        self.assertEqual((link.source, link.target, link.kind),
                         (self.shared, self.draft, "depends_on"))  # fmt: skip
        r = self.get(self.bob, url("detail", self.draft))
        self.assertContains(r, "depends on this requirement")
        self.assertContains(r, "Export the monthly report as PDF")

    def test_a_plain_number_names_the_target_too(self) -> None:
        self.post(self.bob, kind="refines", target=str(self.draft.number))
        self.assertEqual(RequirementLink.objects.get().kind, "refines")

    def test_a_link_to_another_projects_requirement_is_refused(self) -> None:
        make_requirement(self.other_project, title="Evil requirement")
        r = self.post(self.bob, kind="depends_on", target="EVIL-R1")
        self.assertEqual(r.status_code, 400)
        self.assertContains(
            r, "EVIL-R1 belongs to another project. Links join requirements of the same "
            "project only.", status_code=400
        )  # fmt: skip
        self.assertContains(r, 'value="EVIL-R1"', status_code=400)
        self.assertFalse(RequirementLink.objects.exists())

    def test_unknown_targets_and_self_links_are_refused(self) -> None:
        r = self.post(self.bob, kind="depends_on", target="ACME-R999")
        self.assertContains(r, "There is no requirement ACME-R999 in this project.",
                            status_code=400)  # fmt: skip
        r = self.post(self.bob, kind="depends_on", target=str(self.shared.number))
        self.assertContains(r, "cannot be linked to itself", status_code=400)
        r = self.post(self.bob, kind="depends_on", target="the other one")
        self.assertContains(r, "Give the number or key of a requirement", status_code=400)
        self.assertFalse(RequirementLink.objects.exists())

    def test_clients_and_viewers_cannot_link(self) -> None:
        self.assertEqual(self.post(self.carol, kind="depends_on", target="2").status_code, 403)
        self.assertEqual(self.post(self.vera, kind="depends_on", target="2").status_code, 403)
        self.assertFalse(RequirementLink.objects.exists())

    def test_removing_a_link_asks_first(self) -> None:
        link = services.link_create(
            actor=self.bob, source=self.shared, target=self.draft, kind="conflicts_with"
        )
        address = url("link-delete", self.shared, link.pk)
        r = self.get(self.bob, address)
        self.assertContains(r, "Remove the link “conflicts with”?")
        self.assertContains(r, DRAFT_TITLE)
        self.assertTrue(RequirementLink.objects.exists())
        self.client.post(address)
        self.assertFalse(RequirementLink.objects.exists())

    def test_a_link_to_a_draft_is_not_found_for_clients(self) -> None:
        link = services.link_create(
            actor=self.bob, source=self.shared, target=self.draft, kind="conflicts_with"
        )
        r = self.get(self.carol, url("link-delete", self.shared, link.pk))
        self.assertEqual(r.status_code, 404)


class CriterionVerifyViewTests(DetailTestCase):
    def test_the_team_marks_a_criterion_verified_with_a_note(self) -> None:
        criterion = self.shared.criteria.order_by("position").first()
        address = url("criterion-verify", self.shared, criterion.pk)
        self.client.force_login(self.bob)
        prefix = f"criterion{criterion.pk}"
        r = self.client.post(
            address, {f"{prefix}-verified": "on", f"{prefix}-note": "Checked in test run 42"}
        )
        self.assertRedirects(r, url("detail", self.shared) + f"#criterion-{criterion.pk}",
                             fetch_redirect_response=False)  # fmt: skip
        criterion.refresh_from_db()
        self.assertTrue(criterion.verified)
        self.assertEqual(criterion.verified_by, self.bob)
        self.assertEqual(criterion.verification_note, "Checked in test run 42")
        r = self.get(self.carol, url("detail", self.shared))
        self.assertContains(r, "Checked in test run 42")
        self.assertContains(r, "by Bob")

    def test_clearing_the_mark(self) -> None:
        criterion = self.shared.criteria.order_by("position").first()
        services.criterion_verify(actor=self.bob, criterion=criterion, verified=True)
        self.client.force_login(self.alice)
        self.client.post(url("criterion-verify", self.shared, criterion.pk), {})
        criterion.refresh_from_db()
        self.assertFalse(criterion.verified)
        self.assertIsNone(criterion.verified_by)

    def test_a_too_long_note_is_refused_on_its_field(self) -> None:
        criterion = self.shared.criteria.order_by("position").first()
        self.client.force_login(self.bob)
        prefix = f"criterion{criterion.pk}"
        r = self.client.post(
            url("criterion-verify", self.shared, criterion.pk),
            {f"{prefix}-verified": "on", f"{prefix}-note": "x" * 501},
        )
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "field-error", status_code=400)
        criterion.refresh_from_db()
        self.assertFalse(criterion.verified)

    def test_clients_and_viewers_cannot_verify(self) -> None:
        criterion = self.shared.criteria.order_by("position").first()
        for user in (self.carol, self.dave, self.vera):
            self.client.force_login(user)
            r = self.client.post(
                url("criterion-verify", self.shared, criterion.pk),
                {f"criterion{criterion.pk}-verified": "on"},
            )
            self.assertEqual(r.status_code, 403)
        self.assertFalse(AcceptanceCriterion.objects.filter(verified=True).exists())
        other = self.draft.criteria.first()
        r = self.client.post(url("criterion-verify", self.shared, other.pk), {})
        self.assertEqual(r.status_code, 404)
