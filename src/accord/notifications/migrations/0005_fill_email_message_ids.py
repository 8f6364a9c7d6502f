from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME
from django.db import migrations


def give_each_message_its_id(apps, schema_editor):
    # A callable default is evaluated once for the whole table; every row needs its own id.
    OutgoingEmail = apps.get_model("notifications", "OutgoingEmail")
    for pk in OutgoingEmail.objects.filter(message_id="").values_list("pk", flat=True).iterator():
        OutgoingEmail.objects.filter(pk=pk).update(message_id=make_msgid(domain=DNS_NAME))


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_email_message_id_worker"),
    ]

    operations = [
        migrations.RunPython(give_each_message_its_id, migrations.RunPython.noop),
    ]
