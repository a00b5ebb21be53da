"""The offline agent's planning: date, priority, repeat and reminder words found in what is said
(the service reads the dates), rescheduling, questions by date and priority, and the words its
replies say a plan in."""

import pytest

from chat.agent.offline.plans import split_plan
from chat.agent.offline.replies import due_in_words, repeat_in_words
from chat.agent.offline.requests import Agenda, Plan
from chat.agent.offline.understand import understand


@pytest.mark.parametrize(
    ("message", "title", "plan"),
    [
        ("call the vet tomorrow", "Call the vet", Plan(due="tomorrow")),
        ("submit the grant report by fri", "Submit the grant report", Plan(due="friday")),
        ("offsite planning call next monday at 9", "Offsite planning call", Plan(due="next monday at 9")),
        ("pay the builder on the 14th", "Pay the builder", Plan(due="14th")),
        ("send the invoice to Halvorsen by 5", "Send the invoice to Halvorsen", Plan(due="by 5")),
        ("urgent: chase the mortgage broker", "Chase the mortgage broker", Plan(priority="high")),
        ("book the flu jab, not urgent", "Book the flu jab", Plan(priority="low")),
        ("!!! replace the smoke alarm battery", "Replace the smoke alarm battery", Plan(priority="high")),
        ("water the garden every thursday", "Water the garden", Plan(repeat="every thursday")),
        ("take my vitamins daily at 9pm", "Take my vitamins", Plan(due="daily at 9pm")),
        (
            "transfer money to savings monthly on the 1st",
            "Transfer money to savings",
            Plan(repeat="monthly on the 1st"),
        ),
        (
            "add 'pay the daycare invoice' on the 15th and remind me the day before",
            "Pay the daycare invoice",
            Plan(due="15th", reminder=True),
        ),
    ],
)
def test_a_date_priority_or_repeat_said_in_an_add_plans_the_task(message: str, title: str, plan: Plan) -> None:
    [request] = understand(message)

    assert request.kind == "add"
    assert request.titles == (title,)
    assert request.plans == (plan,)


@pytest.mark.parametrize("message", ["email Priya the slides from monday", "buy a monthly metro pass"])
def test_words_that_only_look_like_a_plan_stay_in_the_title(message: str) -> None:
    assert split_plan(message) == (message, Plan())


def test_a_planning_item_of_a_list_plans_the_item_before_it() -> None:
    [request] = understand("add: book carol concert tickets, high priority, by wednesday")

    assert request.titles == ("Book carol concert tickets",)
    assert request.plans == (Plan(due="wednesday", priority="high"),)


@pytest.mark.parametrize(
    ("message", "words", "plan"),
    [
        ("actually push it to friday", (), Plan(due="friday", keep_time=True)),
        ("postpone the ski return a week", ("ski", "return"), Plan(shift_days=7)),
        ("no due date for the venue one", ("venue",), Plan(due="none")),
        ("make the loft one urgent", ("loft",), Plan(priority="high")),
        ("remove the priority from the mortgage one", ("mortgage",), Plan(priority="none")),
        ("the bins don't need to repeat any more", ("bins",), Plan(repeat="none")),
        ("change the meal planning to every sunday", ("meal", "planning"), Plan(due="every sunday")),
    ],
)
def test_rescheduling(message: str, words: tuple[str, ...], plan: Plan) -> None:
    [request] = understand(message)

    assert request.kind == "reschedule"
    assert request.target.words == words
    assert request.plan == plan


def test_a_change_asked_as_a_question_is_not_made() -> None:
    assert [request.kind for request in understand("can you set the lamb to high priority?")] != ["reschedule"]


@pytest.mark.parametrize(
    ("message", "agenda", "status"),
    [
        ("what's due today?", Agenda(due="today"), "all"),
        ("anything overdue?", Agenda(due="overdue"), "pending"),
        ("what's on this week?", Agenda(due="this_week"), "all"),
        ("show high priority only", Agenda(priority="high", ordering="due"), "all"),
        ("sort by due date", Agenda(ordering="due"), "all"),
        ("how many high priority things have I got?", Agenda(priority="high", ordering="due", count=True), "pending"),
    ],
)
def test_questions_by_date_and_priority(message: str, agenda: Agenda, status: str) -> None:
    [request] = understand(message)

    assert (request.kind, request.agenda, request.status) == ("agenda", agenda, status)


def test_replies_say_the_plan_in_words() -> None:
    assert due_in_words("2026-12-11", "17:00") == "Fri 11 Dec at 17:00"
    assert due_in_words("2026-12-11", None) == "Fri 11 Dec"
    assert repeat_in_words("FREQ=WEEKLY;BYDAY=TU,TH") == "weekly on Tue, Thu"
    assert repeat_in_words("FREQ=WEEKLY;INTERVAL=2") == "every 2 weeks"
