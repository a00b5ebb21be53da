"""A list typed on separate lines under "Add:" (or "+" bullets, or no header): one task a bullet."""

import pytest

from chat.agent.offline.understand import understand


@pytest.mark.parametrize(
    ("message", "titles"),
    [
        ("add:\n- pay the fees\n- fix the pram wheel", ["Pay the fees", "Fix the pram wheel"]),
        ("Could you please add these?\n- order lenses\n- cancel the trial", ["Order lenses", "Cancel the trial"]),
        ("Try this:\nAdd:\n\u2022 Renew the licence\n\u2022 Write to Jo", ["Renew the licence", "Write to Jo"]),
        ("+ water filter\n+ solder\n+ return the monitor", ["Water filter", "Solder", "Return the monitor"]),
        ("- wash the car\n- mow the lawn", ["Wash the car", "Mow the lawn"]),
    ],
)
def test_each_bullet_under_an_add_header_is_one_task(message: str, titles: list[str]) -> None:
    requests = understand(message)

    assert [request.kind for request in requests] == ["add"] * len(titles)
    assert [title for request in requests for title in request.titles] == titles


def test_a_list_under_a_header_that_does_not_ask_to_add_is_not_read_as_a_list() -> None:
    message = "What a week:\n- the boiler broke\n- the cat was sick"

    assert all(request.kind != "add" or len(request.titles) != 2 for request in understand(message))


def test_a_command_before_the_list_still_happens() -> None:
    requests = understand("mark task 2 as done\nadd:\n- buy stamps\n- post the card")

    assert [request.kind for request in requests] == ["complete", "add", "add"]
