import html
import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from chat.models import Conversation, Message
from chat.tests.factories import ConversationFactory, MessageFactory, add_turn, chat_turn, tool_call, tool_turn

pytestmark = pytest.mark.django_db

CONVERSATIONS = "/admin/chat/conversation/"
MESSAGES = "/admin/chat/message/"


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def listed(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def pre_blocks(page: str) -> list:
    """The JSON shown in each <pre> block of a page, parsed."""
    return [json.loads(html.unescape(block)) for block in re.findall(r"<pre>(.*?)</pre>", page, re.DOTALL)]


@pytest.fixture
def conversations():
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    groceries = add_turn(
        ConversationFactory(owner=alice, title="Weekly groceries"), chat_turn("buy milk and eggs", "Added.")
    )
    # Several messages mention "invoice": the conversation must still be listed once.
    bills = add_turn(
        ConversationFactory(owner=bob, title="Bills"),
        [*chat_turn("pay the invoice", "Which invoice?"), *chat_turn("the invoice from March", "Done.")],
    )
    return {"groceries": groceries, "bills": bills}


def test_changelist_shows_title_owner_and_message_count(staff_client, conversations):
    response = staff_client.get(CONVERSATIONS)
    assert set(listed(response)) == set(conversations.values())
    rows = re.findall(
        r'class="field-title"><a [^>]*>(.*?)</a>.*?class="field-owner[^"]*">(.*?)</td>'
        r'.*?class="field-message_count[^"]*">(.*?)</td>',
        response.content.decode(),
        re.DOTALL,
    )
    assert sorted(rows) == [("Bills", "bob", "4"), ("Weekly groceries", "alice", "2")]


@pytest.mark.parametrize(
    "term, expected",
    [("groceries", {"groceries"}), ("bob", {"bills"}), ("eggs", {"groceries"}), ("invoice", {"bills"}), ("zzz", set())],
    ids=["title", "username", "message-text", "message-text-in-many-messages", "nothing"],
)
def test_changelist_search(staff_client, conversations, term, expected):
    results = listed(staff_client.get(CONVERSATIONS, {"q": term}))
    assert len(results) == len(expected)  # no duplicates from the join on messages
    assert set(results) == {conversations[name] for name in expected}


def test_changelist_date_filter(staff_client, conversations):
    old = conversations["bills"]
    Conversation.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=30))
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    past_week = {"updated_at__gte": str(today - timedelta(days=7)), "updated_at__lt": str(today + timedelta(days=1))}

    assert listed(staff_client.get(CONVERSATIONS, past_week)) == [conversations["groceries"]]
    assert set(listed(staff_client.get(CONVERSATIONS, {"updated_at__isnull": "False"}))) == set(conversations.values())
    this_year = {"updated_at__year": str(timezone.localtime().year)}
    assert conversations["groceries"] in listed(staff_client.get(CONVERSATIONS, this_year))


def test_change_page_shows_messages_in_order_with_readable_tool_calls(staff_client):
    conversation = ConversationFactory(title="Groceries")
    add_turn(
        conversation,
        tool_turn(
            "first: add a task to buy groceries",
            name="add_task",
            arguments={"title": "Buy groceries", "description": "milk, eggs, café"},
            result={"success": True, "task": {"id": 1}},
            reply="second-to-last: added it",
            call_id="call_7",
        ),
    )
    MessageFactory(conversation=conversation, role=Message.Role.USER, content="last: thanks")

    response = staff_client.get(f"{CONVERSATIONS}{conversation.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    contents = ["first: add a task to buy groceries", "second-to-last: added it", "last: thanks"]
    where = [page.index(html.escape(content)) for content in contents]
    assert where == sorted(where)
    # The tool calls are JSON a person can read: arguments decoded, not a string of JSON.
    assert pre_blocks(page) == [
        [
            {
                "id": "call_7",
                "name": "add_task",
                "arguments": {"title": "Buy groceries", "description": "milk, eggs, café"},
            }
        ]
    ]
    assert "café" in page  # not \u00e9


def test_change_page_of_a_message_renders_its_tool_calls(staff_client):
    conversation = ConversationFactory()
    message = MessageFactory(
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


def test_tool_calls_with_broken_arguments_still_render(staff_client):
    message = MessageFactory(
        role=Message.Role.ASSISTANT,
        tool_calls=[{"id": "c1", "type": "function", "function": {"name": "add_task", "arguments": "{not json"}}],
    )
    response = staff_client.get(f"{MESSAGES}{message.pk}/change/")
    assert response.status_code == 200
    assert pre_blocks(response.content.decode()) == [[{"id": "c1", "name": "add_task", "arguments": "{not json"}]]


def test_message_changelist_filters_by_role(staff_client):
    add_turn(
        ConversationFactory(),
        tool_turn("add milk", name="add_task", arguments={"title": "milk"}, result={"success": True}, reply="ok"),
    )
    for role, count in (("user", 1), ("assistant", 2), ("tool", 1)):
        results = listed(staff_client.get(MESSAGES, {"role__exact": role}))
        assert len(results) == count
        assert {message.role for message in results} == {role}


def test_admin_is_read_only(staff_client, conversations):
    conversation = conversations["groceries"]
    assert staff_client.get(f"{CONVERSATIONS}add/").status_code == 403
    response = staff_client.post(f"{CONVERSATIONS}{conversation.pk}/change/", {"title": "changed"})
    assert response.status_code == 403
    conversation.refresh_from_db()
    assert conversation.title == "Weekly groceries"
