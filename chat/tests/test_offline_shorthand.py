"""Terse shorthand: arrows ("3 -> done", "1 -> todo", "mv 4 -> 'new title'"), a leading "x" as a
tick ("x #2"), "mv" as rename."""

import pytest

from chat.agent.offline.understand import understand


@pytest.mark.parametrize(
    ("message", "kind", "numbers"),
    [
        ("3 -> done", "complete", (3,)),
        ("2,3 => done", "complete", (2, 3)),
        ("x #2", "complete", (2,)),
        ("1 -> todo", "reopen", (1,)),
        ("4 \u2192 not done", "reopen", (4,)),
    ],
)
def test_an_arrow_or_a_cross_with_numbers_changes_their_status(
    message: str, kind: str, numbers: tuple[int, ...]
) -> None:
    (request,) = understand(message)

    assert (request.kind, request.target.numbers) == (kind, numbers)


def test_mv_with_an_arrow_renames() -> None:
    (request,) = understand("mv 4 -> 'fix the bike + brakes'")

    assert (request.kind, request.target.numbers, request.title) == ("update", (4,), "Fix the bike + brakes")


def test_an_x_inside_a_title_is_kept() -> None:
    (request,) = understand("add buy cable x3")

    assert request.titles == ("Buy cable x3",)


def test_a_typographic_dash_ends_a_quoted_title_with_an_apostrophe() -> None:
    requests = understand("Could you put down \u201cReturn Jo\u2019s dish\u201d \u2014 she lent it to me at the fair.")

    assert requests[0].kind == "add"
    assert requests[0].titles == ("Return Jo's dish",)
