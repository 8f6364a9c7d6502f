"""Seal the change approvals recorded before sign-offs carried a signature.

The signed fields are listed here as they were when this migration was written, so that it
computes what `ChangeApproval.compute_signature()` computed then.
"""

from django.db import migrations

SIGNED_FIELDS = (
    "change_request_id",
    "approver_id",
    "slot",
    "decision",
    "comment",
    "content_hash",
    "revision",
    "decided_at",
)


def seal(apps, schema_editor):
    from accord.core.signoffs import signature_of

    ChangeApproval = apps.get_model("changes", "ChangeApproval")
    rows = []
    for row in ChangeApproval.objects.using(schema_editor.connection.alias).iterator():
        values = {name: getattr(row, name) for name in SIGNED_FIELDS}
        row.signature = signature_of("changes.changeapproval", row.pk, values)
        rows.append(row)
    ChangeApproval.objects.using(schema_editor.connection.alias).bulk_update(
        rows, ["signature"], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [("changes", "0002_changeapproval_signature")]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
