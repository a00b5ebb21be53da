from accounts.models import User


def register_user(*, username: str, password: str, email: str = "", name: str = "") -> User:
    """Create a user; the caller has validated the password against Django's validators."""
    return User.objects.create_user(username=username, password=password, email=email, name=name)
