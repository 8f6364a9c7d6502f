from django.db import connection, transaction

from accord.core.audit import audit_record, verify_audit_chains
from accord.core.models import AuditEvent
from accord.core.testing import BaseTestCase
from accord.projects import services


class AuditChainTests(BaseTestCase):
    def test_project_changes_form_a_verifiable_chain(self) -> None:
        services.milestone_create(
            actor=self.alice, project=self.project, name="Go-live", due_date="2026-09-01"
        )
        services.project_update(actor=self.alice, project=self.project, data={"name": "Portal"})
        events = list(AuditEvent.objects.filter(project=self.project).order_by("sequence"))
        self.assertEqual([e.action for e in events], ["milestone.created", "project.updated"])
        self.assertEqual(events[1].prev_hash, events[0].hash)
        self.assertEqual(events[1].before, {"name": "Customer portal"})
        self.assertEqual(events[1].after, {"name": "Portal"})
        self.assertEqual(list(verify_audit_chains()), [])

    def test_verify_reports_the_altered_record(self) -> None:
        for name in ["A", "B", "C"]:
            services.milestone_create(
                actor=self.alice, project=self.project, name=name, due_date="2026-09-01"
            )
        second = AuditEvent.objects.filter(project=self.project).order_by("sequence")[1]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE core_auditevent SET after = %s WHERE id = %s",
                ['{"name": "forged"}', second.pk],
            )
        problems = list(verify_audit_chains())
        self.assertEqual(len(problems), 1)
        self.assertEqual(problems[0].event_id, second.pk)
        self.assertIn("altered", problems[0].reason)

    def test_verify_reports_a_removed_record(self) -> None:
        for name in ["A", "B"]:
            services.milestone_create(
                actor=self.alice, project=self.project, name=name, due_date="2026-09-01"
            )
        first = AuditEvent.objects.filter(project=self.project).order_by("sequence")[0]
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [first.pk])
        problems = list(verify_audit_chains())
        self.assertEqual(len(problems), 1)
        self.assertIn("missing", problems[0].reason)

    def test_records_cannot_be_rewritten_through_the_orm(self) -> None:
        with transaction.atomic():
            event = audit_record(actor=self.alice, action="test.done", project=self.project)
        with self.assertRaises(ValueError):
            event.save()
        with self.assertRaises(ValueError):
            event.delete()
