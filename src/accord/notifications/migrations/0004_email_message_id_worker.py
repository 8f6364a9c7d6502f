from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_notification"),
    ]

    operations = [
        migrations.AddField(
            model_name="outgoingemail",
            name="message_id",
            field=models.CharField(
                default="", editable=False, max_length=255, verbose_name="Message-ID"
            ),
        ),
        migrations.AddField(
            model_name="outgoingemail",
            name="worker_id",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="worker"
            ),
        ),
    ]
