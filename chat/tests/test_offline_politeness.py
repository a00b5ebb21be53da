"""Requests wrapped in a polite frame ("would it be alright to", "might I ask you to", "would you
mind" + a gerund, "..., if that's not too much bother") are read as the command inside."""

import pytest

from chat.agent.offline.understand import understand


def kinds(message: str) -> list[str]:
    return [request.kind for request in understand(message)]


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Would it be alright to also put down fixing the fence?", "add"),
        ("Might I ask you to add a card for my aunt?", "add"),
        ("Would it be ok to tick off 2 and 3?", "complete"),
        ("Is it possible to check how many are left?", "count"),
        ("Would it be terribly cheeky to ask you to undo that?", "undo"),
        ("Would you mind ever so much deleting task 3?", "delete"),
        ("Would you mind reopening task 2?", "reopen"),
        ("Is it alright if I change task 1 to 'call the bank'?", "update"),
    ],
)
def test_a_polite_frame_is_peeled_off_the_command(message: str, kind: str) -> None:
    assert kinds(message) == [kind]


def test_trailing_politeness_is_not_part_of_the_title() -> None:
    (request,) = understand("Could you note down booking the dentist, if that's not too much bother?")

    assert request.kind == "add"
    assert request.titles == ("Booking the dentist",)


def test_a_gerund_that_is_no_command_stays_in_the_title() -> None:
    (request,) = understand("Would it be alright to add painting the shed?")

    assert request.titles == ("Painting the shed",)
