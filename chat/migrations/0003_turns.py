"""The turn becomes the unit of record: `Turn` rows, messages ordered by (turn, step, index)
instead of a reserved `position`, `TaskChange` rows, and the turn an idempotency key started.

Existing messages are carried over: each user message starts a turn (messages stored before a
conversation's first user message open a turn of their own); in a turn, the user's message is
step 0 and each assistant message starts the next step, its tool results following it.
"""

import django.db.models.deletion
from django.db import migrations, models


def messages_into_turns(apps, schema_editor):
    Conversation = apps.get_model("chat", "Conversation")
    Message = apps.get_model("chat", "Message")
    Turn = apps.get_model("chat", "Turn")
    for conversation in Conversation.objects.order_by("created_at", "pk").iterator():
        turn, step, index, model_calls, updates = None, 0, 0, 0, []

        def close(turn, steps, model_calls):
            if turn is not None:
                Turn.objects.filter(pk=turn.pk).update(steps=steps, model_calls=model_calls)

        for message in Message.objects.filter(conversation=conversation).order_by("position"):
            if turn is None or message.role == "user":
                close(turn, step + 1 if turn is not None else 0, model_calls)
                turn = Turn.objects.create(conversation=conversation, status="completed")
                step, index, model_calls = (0, 0, 0) if message.role == "user" else (1, 0, 0)
                if message.role == "assistant":
                    model_calls = 1
            elif message.role == "assistant":
                step, index, model_calls = step + 1, 0, model_calls + 1
            else:
                index += 1
            message.turn_id, message.step, message.index = turn.pk, step, index
            updates.append(message)
        close(turn, step + 1, model_calls)
        Message.objects.bulk_update(updates, ["turn", "step", "index"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0002_idempotentrequest_lease_renewed_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="Turn",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("running", "Running"),
                            ("completed", "Completed"),
                            ("failed", "Failed"),
                            ("interrupted", "Interrupted"),
                        ],
                        default="running",
                        max_length=16,
                    ),
                ),
                ("steps", models.PositiveIntegerField(default=0)),
                ("model_calls", models.PositiveIntegerField(default=0)),
                ("prompt_tokens", models.PositiveIntegerField(default=0)),
                ("completion_tokens", models.PositiveIntegerField(default=0)),
                ("total_tokens", models.PositiveIntegerField(default=0)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "conversation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="turns", to="chat.conversation"
                    ),
                ),
                (
                    "undone_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="undid",
                        to="chat.turn",
                    ),
                ),
            ],
            options={
                "ordering": ("id",),
                "indexes": [models.Index(fields=["conversation", "id"], name="turn_conversation_order")],
            },
        ),
        migrations.AddField(
            model_name="message",
            name="turn",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="messages", to="chat.turn"
            ),
        ),
        migrations.AddField(model_name="message", name="step", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="message", name="index", field=models.PositiveIntegerField(default=0)),
        migrations.RunPython(messages_into_turns, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="message",
            name="turn",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="messages", to="chat.turn"
            ),
        ),
        migrations.AlterField(model_name="message", name="step", field=models.PositiveIntegerField()),
        migrations.RemoveConstraint(model_name="message", name="message_unique_position"),
        migrations.RemoveField(model_name="message", name="position"),
        migrations.AlterModelOptions(name="message", options={"ordering": ("conversation", "turn_id", "step", "index")}),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(fields=("turn", "step", "index"), name="message_unique_place"),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["conversation", "turn", "step", "index"], name="message_conversation_order"),
        ),
        migrations.CreateModel(
            name="TaskChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("step", models.PositiveIntegerField()),
                ("number", models.PositiveIntegerField(help_text="The task's number.")),
                ("action", models.CharField(max_length=16)),
                ("before", models.JSONField(blank=True, null=True)),
                ("after", models.JSONField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "reverts",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="chat.taskchange",
                    ),
                ),
                (
                    "turn",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="task_changes", to="chat.turn"
                    ),
                ),
            ],
            options={"ordering": ("turn_id", "id")},
        ),
        migrations.AddField(
            model_name="idempotentrequest",
            name="turn",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="chat.turn"
            ),
        ),
    ]
