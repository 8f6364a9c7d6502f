"""Seal the client decisions recorded before sign-offs carried a signature.

The signed fields are listed here as they were when this migration was written, so that it
computes what `ClientDecision.compute_signature()` computed then.
"""

from django.db import migrations

SIGNED_FIELDS = (
    "requirement_id",
    "version_id",
    "content_hash",
    "decision",
    "decided_by_id",
    "decided_at",
    "comment",
    "change_request_id",
)


def seal(apps, schema_editor):
    from accord.core.signoffs import signature_of

    ClientDecision = apps.get_model("requirements", "ClientDecision")
    rows = []
    for row in ClientDecision.objects.using(schema_editor.connection.alias).iterator():
        values = {name: getattr(row, name) for name in SIGNED_FIELDS}
        row.signature = signature_of("requirements.clientdecision", row.pk, values)
        rows.append(row)
    ClientDecision.objects.using(schema_editor.connection.alias).bulk_update(
        rows, ["signature"], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [("requirements", "0004_clientdecision_signature")]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
