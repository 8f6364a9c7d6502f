"""Queueing e-mail: rendered in the recipient's language, sent only after commit."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from accord.notifications.mail import email_queue_template
from accord.notifications.models import EmailStatus, OutgoingEmail
from accord.notifications.tests.smtp import IMMEDIATE_TASKS

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {
                        "t/hello_subject.txt": (
                            "{% load i18n %}\n  {% translate 'Notifications' %}:\n {{ project }}\n"
                        ),
                        "t/hello.txt": "{% load i18n %}{% translate 'Sent' %} — {{ project }}\n",
                    },
                )
            ]
        },
    }
]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("immediate"),
]


@pytest.fixture
def immediate(settings) -> None:
    settings.TASKS = IMMEDIATE_TASKS


@override_settings(TEMPLATES=TEMPLATES)
def test_it_renders_in_the_recipients_language_on_one_subject_line() -> None:
    with translation.override("en"), transaction.atomic():
        email = email_queue_template(
            to="zhao@example.com",
            template="t/hello",
            context={"project": "HZYB"},
            language="zh-hans",
        )
        # Nothing leaves before the transaction commits.
        assert mail.outbox == []

    assert email.subject == "通知: HZYB"
    assert email.body == "已发送 — HZYB\n"
    assert translation.get_language() == "en"
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert [m.subject for m in mail.outbox] == ["通知: HZYB"]
    assert mail.outbox[0].to == ["zhao@example.com"]


@override_settings(TEMPLATES=TEMPLATES)
def test_it_uses_the_current_language_when_none_is_given() -> None:
    with translation.override("en"), transaction.atomic():
        email = email_queue_template(to="a@example.com", template="t/hello", context={})

    assert email.subject == "Notifications:"


@override_settings(TEMPLATES=TEMPLATES)
def test_a_rolled_back_transaction_sends_nothing() -> None:
    with pytest.raises(ValueError), transaction.atomic():
        email_queue_template(to="a@example.com", template="t/hello", context={})
        raise ValueError("the service failed")

    assert OutgoingEmail.objects.count() == 0
    assert mail.outbox == []
