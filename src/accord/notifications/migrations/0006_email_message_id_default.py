from django.db import migrations, models

import accord.notifications.models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0005_fill_email_message_ids"),
    ]

    operations = [
        migrations.AlterField(
            model_name="outgoingemail",
            name="message_id",
            field=models.CharField(
                default=accord.notifications.models.new_message_id,
                editable=False,
                max_length=255,
                verbose_name="Message-ID",
            ),
        ),
    ]
