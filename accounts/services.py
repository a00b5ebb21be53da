from django.db import IntegrityError, transaction

from accounts.models import User
from config.errors import InvalidInput


def register_user(*, username: str, password: str, email: str = "", name: str = "") -> User:
    """Create a user; the caller has validated the password against Django's validators."""
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, password=password, email=email, name=name)
    except IntegrityError:
        # Taken between the serializer's uniqueness check and this insert.
        raise InvalidInput({"username": ["A user with that username already exists."]}) from None
