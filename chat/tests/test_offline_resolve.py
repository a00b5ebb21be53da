"""The offline agent's third stage, resolve: which of the user's tasks a target means. Pure
functions over task views and a context: no database."""

import pytest

from chat.agent.offline.context import Context, TaskView
from chat.agent.offline.requests import Target
from chat.agent.offline.resolve import Resolution, best_matches, resolve
from todos.models import TaskStatus


def tasks_of(*titles: str, done: tuple[int, ...] = ()) -> list[TaskView]:
    """Task views numbered 1, 2, 3 ... in order; `done` lists the completed numbers."""
    return [
        TaskView(number=number, title=title, completed=number in done) for number, title in enumerate(titles, start=1)
    ]


def numbers(found: list[TaskView]) -> list[int]:
    return [task.number for task in found]


@pytest.fixture
def household() -> list[TaskView]:
    return tasks_of(
        "Renew car insurance",  # 1
        "Wash the car",  # 2
        "Pay the electricity bill",  # 3
        "Send mom the vacation photo",  # 4
        "Book dentist appointment",  # 5
        "Call the landlord about the heater",  # 6
        done=(3,),
    )


# best_matches


@pytest.mark.parametrize(
    ("query", "number"),
    [
        (("insurence",), 1),
        (("car", "insurance"), 1),
        (("washed", "car"), 2),
        (("washing",), 2),
        (("paid", "electricity"), 3),
        (("electric", "bill"), 3),
        (("photos",), 4),
        (("dentist",), 5),
        (("dentists",), 5),
        (("appointments",), 5),
        (("landlord",), 6),
        (("heeter",), 6),
    ],
)
def test_best_match_forgives_typos_and_word_forms(
    household: list[TaskView], query: tuple[str] | tuple[str, str], number: int
) -> None:
    assert numbers(best_matches(household, query)) == [number]


def test_stop_words_alone_match_nothing(household: list[TaskView]) -> None:
    assert best_matches(household, ("the", "about", "my")) == []


def test_no_tasks_or_no_query_match_nothing(household: list[TaskView]) -> None:
    assert best_matches([], ("car",)) == []
    assert best_matches(household, ()) == []


def test_a_word_in_many_titles_counts_less_than_a_rare_one() -> None:
    tasks = tasks_of("Passport photos", "Weekly shop list", "Weekly shop receipts", "Weekly shop budget")

    # Two words shared by three titles weigh less than one word only the first title has.
    assert numbers(best_matches(tasks, ("passport", "weekly", "shop"))) == [1]


def test_a_rare_word_decides_between_titles_sharing_a_common_one() -> None:
    tasks = tasks_of("Team meeting", "Team lunch", "Team offsite")

    assert numbers(best_matches(tasks, ("team", "lunch"))) == [2]


def test_ambiguity_returns_every_equally_good_match() -> None:
    tasks = tasks_of("Team meeting", "Buy milk", "Meeting notes")

    assert numbers(best_matches(tasks, ("meeting",))) == [1, 3]


def test_common_verbs_weigh_less_than_other_words() -> None:
    tasks = tasks_of("Call the plumber", "Call mom", "Fix the plumbing")

    # "call" is light and shared; "mom" decides.
    assert numbers(best_matches(tasks, ("call", "mom"))) == [2]


def test_prefer_pending_breaks_a_tie_for_the_open_task() -> None:
    tasks = tasks_of("Water the plants", "Water the plants", done=(1,))

    assert numbers(best_matches(tasks, ("plants",))) == [1, 2]
    assert numbers(best_matches(tasks, ("plants",), prefer_pending=True)) == [2]


def test_prefer_pending_keeps_a_tie_of_completed_tasks() -> None:
    tasks = tasks_of("Water the plants", "Water the plants", "Buy milk", done=(1, 2))

    assert numbers(best_matches(tasks, ("plants",), prefer_pending=True)) == [1, 2]


def test_prefer_pending_does_not_override_a_better_match() -> None:
    tasks = tasks_of("Pay rent", "Pay the gas bill", done=(1,))

    assert numbers(best_matches(tasks, ("rent",), prefer_pending=True)) == [1]


def test_a_strong_match_ignores_shared_common_verbs() -> None:
    tasks = tasks_of("Get the car washed", "Call the landlord")

    assert numbers(best_matches(tasks, ("got", "hold", "landlord"), strong=True)) == [2]
    # Only the common verb is shared: a weak match, but no strong one.
    assert numbers(best_matches(tasks, ("get", "keys"))) == [1]
    assert best_matches(tasks, ("get", "keys"), strong=True) == []


# resolve


def test_numbers_are_taken_as_said_even_when_unknown(household: list[TaskView]) -> None:
    assert resolve(Target(numbers=(2, 9)), tasks=household, context=Context()) == Resolution(numbers=(2, 9))
    assert resolve(Target(numbers=(4,)), tasks=None, context=Context()).one == 4


@pytest.mark.parametrize(("ordinal", "number"), [(1, 7), (2, 3), (3, 5), (-1, 5)])
def test_an_ordinal_counts_in_the_list_last_shown(household: list[TaskView], ordinal: int, number: int) -> None:
    context = Context(shown=(7, 3, 5))

    assert resolve(Target(ordinal=ordinal), tasks=household, context=context).numbers == (number,)


@pytest.mark.parametrize(("ordinal", "number"), [(1, 1), (4, 4), (-1, 6)])
def test_an_ordinal_without_a_list_shown_counts_in_all_tasks(
    household: list[TaskView], ordinal: int, number: int
) -> None:
    assert resolve(Target(ordinal=ordinal), tasks=household, context=Context()).numbers == (number,)


def test_an_ordinal_past_the_end_is_unknown(household: list[TaskView]) -> None:
    resolution = resolve(Target(ordinal=4), tasks=household, context=Context(shown=(1, 2)))

    assert resolution.unknown and resolution.numbers == ()


def test_a_pronoun_means_the_single_task_in_focus(household: list[TaskView]) -> None:
    context = Context(focus=(TaskView(number=5, title="Book dentist appointment"),))

    assert resolve(Target(pronoun=True), tasks=None, context=context).numbers == (5,)


def test_a_plural_pronoun_means_every_task_in_focus(household: list[TaskView]) -> None:
    context = Context(focus=(TaskView(number=2, title=""), TaskView(number=4, title="")))

    assert resolve(Target(pronoun=True, plural=True), tasks=None, context=context).numbers == (2, 4)


def test_a_singular_pronoun_with_several_in_focus_asks_which_with_titles(household: list[TaskView]) -> None:
    context = Context(focus=(TaskView(number=2, title=""), TaskView(number=4, title="")))

    resolution = resolve(Target(pronoun=True), tasks=household, context=context)

    assert resolution.numbers == ()
    assert [(task.number, task.title) for task in resolution.candidates] == [
        (2, "Wash the car"),
        (4, "Send mom the vacation photo"),
    ]


def test_a_pronoun_with_nothing_in_focus_is_unknown(household: list[TaskView]) -> None:
    assert resolve(Target(pronoun=True), tasks=household, context=Context()).unknown


def test_last_added_comes_from_the_conversation(household: list[TaskView]) -> None:
    assert resolve(Target(last_added=True), tasks=household, context=Context(last_added=3)).numbers == (3,)


def test_last_added_falls_back_to_the_highest_number(household: list[TaskView]) -> None:
    assert resolve(Target(last_added=True), tasks=household, context=Context()).numbers == (6,)
    assert resolve(Target(last_added=True), tasks=[], context=Context()).unknown


@pytest.mark.parametrize(
    ("status", "expected"), [("completed", (3,)), ("pending", (1, 2, 4, 5, 6)), ("all", (1, 2, 3, 4, 5, 6))]
)
def test_everything_of_a_status(
    household: list[TaskView],
    status: TaskStatus,
    expected: tuple[int, ...],
) -> None:
    assert resolve(Target(everything=status), tasks=household, context=Context()).numbers == expected


def test_everything_of_a_status_that_has_no_tasks_is_unknown() -> None:
    resolution = resolve(Target(everything="completed"), tasks=tasks_of("Buy milk"), context=Context())

    assert resolution.unknown and resolution.numbers == ()


def test_words_that_match_one_task_resolve_to_it(household: list[TaskView]) -> None:
    assert resolve(Target(words=("heater",)), tasks=household, context=Context()).one == 6


def test_words_that_match_several_tasks_ask_which(household: list[TaskView]) -> None:
    resolution = resolve(Target(words=("car",)), tasks=household, context=Context())

    assert resolution.numbers == ()
    assert [task.number for task in resolution.candidates] == [1, 2]


def test_words_that_match_nothing_are_unknown(household: list[TaskView]) -> None:
    resolution = resolve(Target(words=("passport",)), tasks=household, context=Context())

    assert resolution == Resolution(unknown=True)


def test_prefer_pending_applies_to_words(household: list[TaskView]) -> None:
    tasks = [*household, TaskView(number=7, title="Pay the electricity bill")]

    assert resolve(Target(words=("electricity",)), tasks=tasks, context=Context(), prefer_pending=True).one == 7
    assert len(resolve(Target(words=("electricity",)), tasks=tasks, context=Context()).candidates) == 2


def test_a_target_that_names_nothing_is_unknown(household: list[TaskView]) -> None:
    assert resolve(Target(), tasks=household, context=Context()) == Resolution(unknown=True)
