import factory

from accounts.models import User

PASSWORD = "a-long-enough-pass-9"  # noqa: S105


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    name = factory.Faker("first_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save(update_fields=["password"])
