from __future__ import annotations

import factory

from accord.accounts.tests.factories import UserFactory
from accord.notifications.models import Notification


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "requirement.submitted"
    title = factory.Sequence(lambda n: f"Requirement ACME-R{n} was submitted for review")
    url = "/p/ACME/"
