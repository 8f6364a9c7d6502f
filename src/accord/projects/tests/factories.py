import datetime as dt

import factory

from accord.accounts.tests.factories import UserFactory
from accord.projects.choices import Role
from accord.projects.models import Membership, Milestone, Project


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    key = factory.Sequence(lambda n: f"P{n:04d}")
    name = factory.Sequence(lambda n: f"Project {n}")
    client_name = factory.Faker("company")
    start_date = dt.date(2026, 1, 5)
    end_date = dt.date(2026, 12, 18)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Milestone {n}")
    due_date = dt.date(2026, 6, 30)
