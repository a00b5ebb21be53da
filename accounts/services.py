from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.time_zones import clean_time_zone
from config.errors import InvalidInput


def register_user(*, username: str, password: str, email: str = "", name: str = "", time_zone: str = "UTC") -> User:
    """Create a user; the caller has validated the password against Django's validators."""
    time_zone = clean_time_zone(time_zone)
    try:
        with transaction.atomic():
            return User.objects.create_user(
                username=username, password=password, email=email, name=name, time_zone=time_zone
            )
    except IntegrityError:
        # Taken between the serializer's uniqueness check and this insert.
        raise InvalidInput({"username": ["A user with that username already exists."]}) from None


def update_profile(*, user: User, time_zone: str | None = None) -> User:
    """Change the given settings of the user; those left as None stay as they are."""
    if time_zone is not None:
        user.time_zone = clean_time_zone(time_zone)
        user.save(update_fields=["time_zone"])
    return user
