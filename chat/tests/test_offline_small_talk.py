"""Small talk gets a short answer, and a count of what was finished is a count of completed tasks
even when "altogether" is said; a story of a shop closed for the day finishes no task."""

from chat.agent.offline.understand import understand


def test_thanks_with_that_is_all_is_thanks_not_a_task_reference() -> None:
    (request,) = understand("thanks, that's all for today!")

    assert (request.kind, request.topic) == ("chat", "thanks")


def test_thanks_before_a_task_number_still_names_the_task() -> None:
    (request,) = understand("thanks, task 3")

    assert request.kind == "target"
    assert request.target.numbers == (3,)


def test_how_many_have_i_finished_altogether_counts_completed() -> None:
    (request,) = understand("How many tasks have I finished altogether, out of interest?")

    assert (request.kind, request.status) == ("count", "completed")


def test_how_many_altogether_counts_all() -> None:
    (request,) = understand("How many things is that altogether?")

    assert (request.kind, request.status) == ("count", "all")


def test_a_story_of_a_shop_closed_for_the_day_does_not_complete_anything() -> None:
    requests = understand("I walked down to the chemist but there was a sign saying closed for stocktaking.")

    assert "story" not in [request.kind for request in requests]
    assert "complete" not in [request.kind for request in requests]
