import html
import json
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.tests.factories import UserFactory
from chat.admin import moved_fields
from chat.models import Conversation, Message, Turn
from chat.tests.factories import (
    ConversationFactory,
    MessageFactory,
    add_task_turns,
    add_turn,
    chat_turn,
    tool_call,
    tool_turn,
)

pytestmark = pytest.mark.django_db

CONVERSATIONS = "/admin/chat/conversation/"
MESSAGES = "/admin/chat/message/"

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


def change_url(conversation: Conversation) -> str:
    return f"{CONVERSATIONS}{conversation.pk}/change/"


def turns_shown(page: str) -> list[int]:
    return [int(number) for number in re.findall(r"<strong>Turn (\d+)</strong>", page)]


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def listed(response: "_MonkeyPatchedWSGIResponse") -> list[Any]:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def pre_blocks(page: str) -> list:
    """The JSON shown in each <pre> block of a page, parsed."""
    return [json.loads(html.unescape(block)) for block in re.findall(r"<pre>(.*?)</pre>", page, re.DOTALL)]


@pytest.fixture
def conversations() -> dict[str, Conversation]:
    alice = UserFactory.create(username="alice")
    bob = UserFactory.create(username="bob")
    groceries = add_turn(
        ConversationFactory.create(owner=alice, title="Weekly groceries"), chat_turn("buy milk and eggs", "Added.")
    )
    # Several messages mention "invoice": the conversation must still be listed once.
    bills = add_turn(
        ConversationFactory.create(owner=bob, title="Bills"), chat_turn("pay the invoice", "Which invoice?")
    )
    bills = add_turn(bills, chat_turn("the invoice from March", "Done."))
    return {"groceries": groceries, "bills": bills}


def test_changelist_shows_title_owner_and_turn_count(
    staff_client: Client, conversations: dict[str, Conversation]
) -> None:
    response = staff_client.get(CONVERSATIONS)
    assert set(listed(response)) == set(conversations.values())
    rows = re.findall(
        r'class="field-topic"><a [^>]*>(.*?)</a>.*?class="field-owner[^"]*">(.*?)</td>'
        r'.*?class="field-turn_count[^"]*">(.*?)</td>.*?class="field-last_activity[^"]*">',
        response.content.decode(),
        re.DOTALL,
    )
    # Turns, not messages: "Bills" has 2 turns of 4 messages.
    assert sorted(rows) == [("Bills", "bob", "2"), ("Weekly groceries", "alice", "1")]


@pytest.mark.parametrize(
    "term, expected",
    [("groceries", {"groceries"}), ("bob", {"bills"}), ("eggs", {"groceries"}), ("invoice", {"bills"}), ("zzz", set())],
    ids=["title", "username", "message-text", "message-text-in-many-messages", "nothing"],
)
def test_changelist_search(
    staff_client: Client, conversations: dict[str, Conversation], term: str, expected: set[str]
) -> None:
    results = listed(staff_client.get(CONVERSATIONS, {"q": term}))
    assert len(results) == len(expected)  # no duplicates from the join on messages
    assert set(results) == {conversations[name] for name in expected}


def test_changelist_date_filter(staff_client: Client, conversations: dict[str, Conversation]) -> None:
    old = conversations["bills"]
    Conversation.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=30))
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    past_week = {"updated_at__gte": str(today - timedelta(days=7)), "updated_at__lt": str(today + timedelta(days=1))}

    assert listed(staff_client.get(CONVERSATIONS, past_week)) == [conversations["groceries"]]
    assert set(listed(staff_client.get(CONVERSATIONS, {"updated_at__isnull": "False"}))) == set(conversations.values())
    this_year = {"updated_at__year": str(timezone.localtime().year)}
    assert conversations["groceries"] in listed(staff_client.get(CONVERSATIONS, this_year))


def test_change_page_shows_the_transcript_in_order_with_readable_tool_calls(staff_client: Client) -> None:
    conversation = ConversationFactory.create(title="Groceries")
    add_turn(
        conversation,
        tool_turn(
            "first: add a task to buy groceries",
            name="add_task",
            arguments={"title": "Buy groceries", "description": "milk, eggs, café"},
            result={"success": True, "task": {"id": 1, "title": "Buy groceries"}},
            reply="second-to-last: added it",
            call_id="call_7",
        ),
    )
    MessageFactory.create(conversation=conversation, role=Message.Role.USER, content="last: thanks")

    response = staff_client.get(change_url(conversation))

    assert response.status_code == 200
    page = response.content.decode()
    contents = [
        "first: add a task to buy groceries",
        'add_task(title="Buy groceries", description="milk, eggs, café")',
        'Added task 1 "Buy groceries"',
        "second-to-last: added it",
        "last: thanks",
    ]
    where = [page.index(html.escape(content)) for content in contents]
    assert where == sorted(where)
    assert "café" in page  # not \u00e9
    assert "call_7" not in page  # a call is shown with its result, not tied to it by an id
    # The raw messages are a link away.
    assert f'href="{MESSAGES}?conversation__exact={conversation.pk}"' in page
    raw = listed(staff_client.get(MESSAGES, {"conversation__exact": str(conversation.pk)}))
    assert len(raw) == 5


def test_change_page_of_a_message_renders_its_tool_calls(staff_client: Client) -> None:
    conversation = ConversationFactory.create()
    message = MessageFactory.create(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        content="",
        tool_calls=[tool_call("c1", "complete_task", {"task_id": 3}), tool_call("c2", "delete_task", {"task_id": 4})],
    )
    response = staff_client.get(f"{MESSAGES}{message.pk}/change/")
    assert response.status_code == 200
    assert pre_blocks(response.content.decode()) == [
        [
            {"id": "c1", "name": "complete_task", "arguments": {"task_id": 3}},
            {"id": "c2", "name": "delete_task", "arguments": {"task_id": 4}},
        ]
    ]


def test_tool_calls_with_broken_arguments_still_render(staff_client: Client) -> None:
    message = MessageFactory.create(
        role=Message.Role.ASSISTANT,
        tool_calls=[{"id": "c1", "type": "function", "function": {"name": "add_task", "arguments": "{not json"}}],
    )
    response = staff_client.get(f"{MESSAGES}{message.pk}/change/")
    assert response.status_code == 200
    assert pre_blocks(response.content.decode()) == [[{"id": "c1", "name": "add_task", "arguments": "{not json"}]]


def test_message_changelist_filters_by_role(staff_client: Client) -> None:
    add_turn(
        ConversationFactory.create(),
        tool_turn("add milk", name="add_task", arguments={"title": "milk"}, result={"success": True}, reply="ok"),
    )
    for role, count in (("user", 1), ("assistant", 2), ("tool", 1)):
        results = listed(staff_client.get(MESSAGES, {"role__exact": role}))
        assert len(results) == count
        assert {message.role for message in results} == {role}


def test_admin_is_read_only(staff_client: Client, conversations: dict[str, Conversation]) -> None:
    conversation = conversations["groceries"]
    assert staff_client.get(f"{CONVERSATIONS}add/").status_code == 403
    response = staff_client.post(f"{CONVERSATIONS}{conversation.pk}/change/", {"title": "changed"})
    assert response.status_code == 403
    conversation.refresh_from_db()
    assert conversation.title == "Weekly groceries"


def long_conversation(turns: int) -> Conversation:
    titles = [f"Errand {number}" for number in range(1, turns + 1)]
    return add_task_turns(ConversationFactory.create(title="Errands"), titles)


def test_long_conversation_is_paged_by_turn(
    staff_client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    conversation = long_conversation(40)

    with django_assert_max_num_queries(10):
        response = staff_client.get(change_url(conversation))
    assert response.status_code == 200
    page = response.content.decode()
    assert turns_shown(page) == list(range(1, 11))
    assert "Turns 1–10 of 40." in page and "Page 1 of 4" in page
    assert "?turns_page=2" in page and "?turns_page=0" not in page
    assert html.escape('add_task(title="Errand 10")') in page and html.escape('Added task 10 "Errand 10"') in page
    assert "Errand 11" not in page

    with django_assert_max_num_queries(10):
        middle = staff_client.get(change_url(conversation), {"turns_page": "2"}).content.decode()
    assert turns_shown(middle) == list(range(11, 21))
    assert "?turns_page=1" in middle and "?turns_page=3" in middle

    last = staff_client.get(change_url(conversation), {"turns_page": "4"}).content.decode()
    assert turns_shown(last) == list(range(31, 41))
    assert 'rel="next"' not in last and 'rel="prev"' in last
    # A page number out of range shows the last page instead of failing.
    assert turns_shown(staff_client.get(change_url(conversation), {"turns_page": "99"}).content.decode())[0] == 31


def test_failures_are_marked(staff_client: Client) -> None:
    conversation = ConversationFactory.create()
    add_turn(
        conversation,
        tool_turn(
            "finish task 7",
            name="complete_task",
            arguments={"task_id": 7},
            result={"success": False, "error": "Task 7 not found", "code": "task_not_found", "task_id": 7},
            reply="There is no task 7.",
        ),
    )
    add_turn(conversation, chat_turn("hello?", "Hello!"))
    failed_turn, ok_turn = conversation.turns.order_by("id")
    Turn.objects.filter(pk=ok_turn.pk).update(status=Turn.Status.INTERRUPTED)

    page = staff_client.get(change_url(conversation)).content.decode()

    failed_tool = re.search(r'<div class="entry tool tool-failed">(.*?)</div>\s*</div>', page, re.DOTALL)
    assert failed_tool is not None
    assert html.escape("complete_task(task_id=7)") in failed_tool.group(1)
    assert "Task 7 not found (task_not_found)" in failed_tool.group(1)
    assert "Failed" in failed_tool.group(1)
    assert f'class="turn turn-tool-failed" id="turn-{failed_turn.pk}"' in page
    assert f'class="turn turn-failed" id="turn-{ok_turn.pk}"' in page
    assert "Interrupted" in page


def test_turn_headers_name_only_what_is_unusual(staff_client: Client) -> None:
    conversation = add_turn(ConversationFactory.create(), chat_turn("hi", "Hello!"))
    conversation = add_turn(conversation, chat_turn("add milk", "Added."))
    quiet, costly = conversation.turns.order_by("id")
    Turn.objects.filter(pk=costly.pk).update(status=Turn.Status.FAILED, total_tokens=1234)

    page = staff_client.get(change_url(conversation)).content.decode()

    headers = re.findall(r'<header class="turn-header">(.*?)</header>', page, re.DOTALL)
    assert len(headers) == 2
    # A completed turn of the offline agent (no tokens counted): neither its status nor "0 tokens".
    assert "Completed" not in headers[0] and "tokens" not in headers[0]
    assert "1 model call" in headers[0]
    assert "Failed" in headers[1] and "1234 tokens" in headers[1]
    assert f'href="/admin/chat/turn/{quiet.pk}/change/">Turn record</a>' in headers[0]


def test_the_conversation_fields_leave_room_for_the_transcript(
    staff_client: Client, conversations: dict[str, Conversation]
) -> None:
    conversation = conversations["bills"]
    page = staff_client.get(change_url(conversation)).content.decode()
    rows = re.findall(r'<div class="form-row ([^"]*)">', page)
    # The title is the page's heading; the message count is on the link to the raw messages.
    assert rows == ["field-owner", "field-id", "field-created_at field-updated_at"]
    assert f"<h2>{conversation.title}</h2>" in page
    assert ">Raw messages (4)</a>" in page


def test_a_tool_call_without_a_stored_result_is_marked_failed(staff_client: Client) -> None:
    conversation = ConversationFactory.create()
    add_turn(
        conversation,
        [
            {"role": "user", "content": "delete task 2"},
            {"role": "assistant", "content": "", "tool_calls": [tool_call("c1", "delete_task", {"task_id": 2})]},
        ],
    )
    page = staff_client.get(change_url(conversation)).content.decode()
    assert html.escape("delete_task(task_id=2)") in page
    assert "No result stored" in page and "tool-failed" in page


@pytest.mark.parametrize(
    "result, line",
    [
        ({"success": True, "task": {"id": 3, "title": "Buy milk"}}, 'Added task 3 "Buy milk"'),
        (
            {"success": False, "error": "Task 9 not found", "code": "task_not_found"},
            "Task 9 not found (task_not_found)",
        ),
        ({"success": True, "tasks": []}, "Listed 0 tasks"),
        (
            {"success": True, "tasks": [{"id": 1, "title": "A"}, {"id": 2, "title": "B"}]},
            'Listed 2 tasks: task 1 "A"; task 2 "B"',
        ),
        ({"success": True, "undone": [{"action": "add", "task": {"id": 4, "title": "X"}}]}, 'Undid add of task 4 "X"'),
    ],
    ids=["added", "error", "empty-list", "list", "undo"],
)
def test_tool_results_read_as_one_line(result: dict[str, Any], line: str) -> None:
    from chat.transcript import tool_result

    tool = "list_tasks" if "tasks" in result else "add_task"
    assert tool_result(tool, json.dumps(result))[0] == line


def test_changelist_filters_by_owner(staff_client: Client, conversations: dict[str, Conversation]) -> None:
    response = staff_client.get(CONVERSATIONS)
    assert "By owner" in response.content.decode()
    bob = conversations["bills"].owner
    assert listed(staff_client.get(CONVERSATIONS, {"owner__id__exact": str(bob.pk)})) == [conversations["bills"]]


def test_changelist_titles_small_talk_by_the_first_real_request(staff_client: Client) -> None:
    greeting = add_turn(ConversationFactory.create(title="hi there"), chat_turn("hi there", "Hello!"))
    greeting = add_turn(greeting, chat_turn("Thanks!", "You're welcome."))
    greeting = add_turn(greeting, chat_turn("plan the trip to Rome", "Sure."))
    only_small_talk = add_turn(ConversationFactory.create(title="hello"), chat_turn("hello", "Hi!"))
    page = staff_client.get(CONVERSATIONS).content.decode()
    titles = re.findall(r'class="field-topic"><a [^>]*>(.*?)</a>', page)
    assert sorted(titles) == ["hello", "plan the trip to Rome"]
    assert only_small_talk.title == "hello"


def test_changelist_queries_do_not_grow_with_conversations(
    staff_client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for index in range(15):
        conversation = ConversationFactory.create(title="hey")
        add_turn(conversation, chat_turn("hey", "Hi."))
        add_turn(conversation, chat_turn(f"book flight {index}", "Done."))
    with django_assert_max_num_queries(10):
        response = staff_client.get(CONVERSATIONS)
    assert response.status_code == 200
    assert "book flight 7" in response.content.decode()


def test_a_task_change_says_what_moved() -> None:
    before = {"number": 3, "title": "Dentist", "completed": False, "due_date": "2026-12-07", "priority": "none"}
    after = {**before, "due_date": "2026-12-14", "priority": "high", "updated_at": "later"}

    assert moved_fields(before, after) == "due_date: 2026-12-07 → 2026-12-14; priority: none → high"
    assert moved_fields(None, after) == "created"
    assert moved_fields(before, None) == "deleted"
