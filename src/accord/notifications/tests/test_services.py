from __future__ import annotations

from django.test import TestCase
from django.utils import translation
from django.utils.translation import gettext as _

from accord.accounts.choices import Language
from accord.core.exceptions import ApplicationError
from accord.core.testing import BaseTestCase
from accord.notifications.mentions import mention_handle, parse_mentions
from accord.notifications.models import Notification, OutgoingEmail
from accord.notifications.services import (
    notification_mark_all_read,
    notification_mark_read,
    notify,
)
from accord.notifications.tests.factories import NotificationFactory


class NotifyTests(BaseTestCase):
    def setUp(self) -> None:
        self.carol.language = Language.CHINESE
        self.carol.save(update_fields=["language"])

    def test_each_recipient_gets_one_row_in_their_own_language(self) -> None:
        language_before = translation.get_language()
        created = notify(
            recipients=[self.bob, self.carol, self.bob],
            kind="requirement.submitted",
            project=self.project,
            actor=self.alice,
            url="/p/ACME/",
            title=lambda: translation.get_language(),
            body=lambda: _("My projects"),
        )
        self.assertEqual(len(created), 2)
        rows = {n.recipient_id: n for n in Notification.objects.all()}
        self.assertEqual(set(rows), {self.bob.pk, self.carol.pk})
        self.assertEqual(rows[self.bob.pk].title, "en")
        self.assertEqual(rows[self.carol.pk].title, "zh-hans")
        self.assertEqual(rows[self.bob.pk].body, "My projects")
        self.assertEqual(rows[self.carol.pk].body, "我的项目")
        for row in rows.values():
            self.assertEqual(row.kind, "requirement.submitted")
            self.assertEqual(row.project, self.project)
            self.assertEqual(row.actor, self.alice)
            self.assertEqual(row.url, "/p/ACME/")
            self.assertIsNone(row.read_at)
        # The caller's language is left as it was.
        self.assertEqual(translation.get_language(), language_before)

    def test_plain_strings_are_stored_as_given(self) -> None:
        (row,) = notify(recipients=[self.bob], kind="x", title="Hello", body="Body")
        self.assertEqual((row.title, row.body, row.url, row.project), ("Hello", "Body", "", None))

    def test_the_actor_and_inactive_users_are_skipped(self) -> None:
        self.vera.is_active = False
        self.vera.save(update_fields=["is_active"])
        created = notify(
            recipients=[self.alice, self.bob, self.vera],
            kind="comment.mention",
            actor=self.alice,
            title="t",
        )
        self.assertEqual([n.recipient for n in created], [self.bob])
        self.assertEqual(Notification.objects.count(), 1)

    def test_nobody_left_creates_nothing(self) -> None:
        self.assertEqual(notify(recipients=[self.alice], actor=self.alice, kind="x", title="t"), [])
        self.assertFalse(Notification.objects.exists())

    def test_links_outside_accord_are_refused(self) -> None:
        for url in ["https://evil.example/", "//evil.example/p/", "javascript:alert(1)"]:
            with self.assertRaises(ApplicationError):
                notify(recipients=[self.bob], kind="x", title="t", url=url)
        self.assertFalse(Notification.objects.exists())

    def test_email_is_queued_per_recipient_in_their_language(self) -> None:
        with self.captureOnCommitCallbacks(execute=False):
            notify(
                recipients=[self.bob, self.carol],
                kind="requirement.submitted",
                project=self.project,
                actor=self.alice,
                url="/p/ACME/",
                title=lambda: _("My projects"),
                body="Please review.",
                email_template="notifications/email/notification",
            )
        bob_mail = OutgoingEmail.objects.get(to="bob@example.com")
        carol_mail = OutgoingEmail.objects.get(to="carol@example.com")
        self.assertEqual(bob_mail.subject, "My projects")
        self.assertEqual(carol_mail.subject, "我的项目")
        self.assertIn("Please review.", bob_mail.body)
        self.assertIn("http://127.0.0.1:8000/p/ACME/", bob_mail.body)
        self.assertIn("Hello Bob,", bob_mail.body)
        self.assertFalse(OutgoingEmail.objects.filter(to="alice@example.com").exists())

    def test_no_email_without_a_template(self) -> None:
        notify(recipients=[self.bob], kind="x", title="t")
        self.assertFalse(OutgoingEmail.objects.exists())


class MarkReadTests(BaseTestCase):
    def test_mark_one_read(self) -> None:
        notification = NotificationFactory(recipient=self.bob)
        notification_mark_read(user=self.bob, notification=notification)
        notification.refresh_from_db()
        self.assertIsNotNone(notification.read_at)
        first = notification.read_at
        notification_mark_read(user=self.bob, notification=notification)
        notification.refresh_from_db()
        self.assertEqual(notification.read_at, first)

    def test_someone_elses_notification_is_refused(self) -> None:
        notification = NotificationFactory(recipient=self.alice)
        with self.assertRaises(ApplicationError):
            notification_mark_read(user=self.mallory, notification=notification)
        notification.refresh_from_db()
        self.assertIsNone(notification.read_at)

    def test_mark_all_read_touches_only_own_unread(self) -> None:
        NotificationFactory.create_batch(3, recipient=self.bob)
        already = NotificationFactory(recipient=self.bob)
        notification_mark_read(user=self.bob, notification=already)
        read_at = Notification.objects.get(pk=already.pk).read_at
        others = NotificationFactory(recipient=self.alice)
        self.assertEqual(notification_mark_all_read(user=self.bob), 3)
        self.assertEqual(Notification.objects.get(pk=already.pk).read_at, read_at)
        self.assertEqual(notification_mark_all_read(user=self.bob), 0)
        self.assertFalse(Notification.objects.filter(recipient=self.bob, read_at=None).exists())
        others.refresh_from_db()
        self.assertIsNone(others.read_at)


class _User:
    def __init__(self, pk: int, email: str) -> None:
        self.pk = pk
        self.email = email


class MentionTests(TestCase):
    def setUp(self) -> None:
        self.alice = _User(1, "Alice@example.com")
        self.bob = _User(2, "bob.smith@client.example")
        self.li = _User(3, "li_wei-2@example.cn")
        self.people = [self.alice, self.bob, self.li]

    def test_handle_is_the_lowercased_local_part(self) -> None:
        self.assertEqual(mention_handle(self.alice), "alice")
        self.assertEqual(mention_handle(self.bob), "bob.smith")

    def test_mentions_in_order_of_appearance_each_once(self) -> None:
        text = "@bob.smith please check with @Alice. Thanks @bob.smith!"
        self.assertEqual(parse_mentions(text, self.people), [self.bob, self.alice])

    def test_trailing_dot_and_punctuation_end_the_handle(self) -> None:
        self.assertEqual(parse_mentions("Ask @li_wei-2.", self.people), [self.li])
        self.assertEqual(parse_mentions("(@alice), @bob.smith:", self.people),
                         [self.alice, self.bob])  # fmt: skip

    def test_email_addresses_are_not_mentions(self) -> None:
        text = "Write to x@alice or alice@example.com, not bob.smith@client.example"
        self.assertEqual(parse_mentions(text, self.people), [])

    def test_unknown_handles_are_ignored(self) -> None:
        self.assertEqual(parse_mentions("@mallory @alicex @ali @", self.people), [])

    def test_mentions_inside_chinese_text(self) -> None:
        text = "请@alice确认，并抄送@li_wei-2。"
        self.assertEqual(parse_mentions(text, self.people), [self.alice, self.li])

    def test_empty_text(self) -> None:
        self.assertEqual(parse_mentions("", self.people), [])
