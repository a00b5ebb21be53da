import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person using the assistant. The UUID is what appears in `/api/<user_id>/...`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=150, blank=True)
    # An IANA zone name: the owner's "today" and the wall-clock meaning of due dates and times.
    # The database default too: rows written by code that predates the column get UTC.
    time_zone = models.CharField(max_length=64, default="UTC", db_default="UTC")

    def __str__(self) -> str:
        return self.username

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username


class PersonalAccessToken(models.Model):
    """A long-lived credential a user makes for a program (an MCP client, a script): sent as
    `Authorization: Bearer tdo_...`. Only the token's SHA-256 is stored; the value is shown once,
    when it is made (`accounts.access_tokens`)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the token was last used, to the minute (written at most once a minute per token).
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("user", "-created_at"), name="access_token_user_recent")]

    def __str__(self) -> str:
        return self.name
