import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """`created_at` was used as the claim's renewable lease: it becomes `lease_renewed_at`,
    and `created_at` (when the key was first used) starts from the lease's last renewal."""

    dependencies = [
        ("chat", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="idempotentrequest", old_name="created_at", new_name="lease_renewed_at"),
        migrations.AlterField(
            model_name="idempotentrequest",
            name="lease_renewed_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="idempotentrequest",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.RunSQL(
            "UPDATE chat_idempotentrequest SET created_at = lease_renewed_at",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
