import pytest

from accounts.services import register_user
from accounts.tests.factories import UserFactory
from config.errors import InvalidInput

pytestmark = pytest.mark.django_db


def test_a_username_taken_after_validation_is_a_field_error_not_a_crash() -> None:
    """Two registrations of one name can both pass the serializer's uniqueness check."""
    UserFactory.create(username="ada")
    with pytest.raises(InvalidInput) as error:
        register_user(username="ada", password="correct-horse-battery")
    assert error.value.detail == {"username": ["A user with that username already exists."]}
