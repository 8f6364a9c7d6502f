"""The model serializer that introspects its model once per class."""

from __future__ import annotations

import datetime as dt

from accord.core.testing import BaseTestCase
from accord.projects.api.serializers import MilestoneInputSerializer, MilestoneSerializer
from accord.projects.tests.factories import MilestoneFactory


class FieldsOnceTests(BaseTestCase):
    def test_each_instance_gets_its_own_fields_equal_to_the_first(self) -> None:
        first = MilestoneInputSerializer(data={})
        second = MilestoneInputSerializer(data={})
        self.assertEqual(
            list(first.fields), ["name", "description", "due_date", "status", "visibility"]
        )
        self.assertEqual(list(second.fields), list(first.fields))
        for name in first.fields:
            self.assertIsNot(first.fields[name], second.fields[name])
            self.assertIs(second.fields[name].parent, second)

    def test_validation_and_output_are_unchanged(self) -> None:
        for _ in range(2):
            serializer = MilestoneInputSerializer(data={"name": "", "due_date": "soon"})
            self.assertFalse(serializer.is_valid())
            self.assertEqual(set(serializer.errors), {"name", "due_date"})
        valid = MilestoneInputSerializer(data={"name": "UAT", "due_date": "2026-08-01"})
        self.assertTrue(valid.is_valid(), valid.errors)
        self.assertEqual(valid.validated_data["due_date"], dt.date(2026, 8, 1))
        milestone = MilestoneFactory(project=self.project, number=7, name="Go-live")
        for _ in range(2):
            data = MilestoneSerializer(milestone).data
            self.assertEqual(data["key"], "ACME-M7")
            self.assertEqual(data["name"], "Go-live")
