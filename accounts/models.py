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
