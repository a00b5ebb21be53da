import uuid
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from chat.models import Conversation, Message, Turn
from chat.tests.factories import ConversationFactory, add_turn, chat_turn, tool_call, tool_turn
from chat.tests.scripted_openai import ScriptedOpenAI

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "Conversation not found.", "code": "conversation_not_found"}
SUMMARY_FIELDS = {"id", "title", "message_count", "created_at", "updated_at"}
MESSAGE_FIELDS = {"position", "turn", "step", "role", "content", "tool_calls", "tool_call_id", "name", "created_at"}


def conversations_url(user: User, conversation_id: uuid.UUID | str | None = None) -> str:
    suffix = f"/{conversation_id}" if conversation_id is not None else ""
    return f"/api/{user.pk}/conversations{suffix}"


def set_updated_at(conversation: Conversation, when: datetime) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=when)


# --- list ----------------------------------------------------------------------------------


def test_list_shape(api_client: APIClient, user: User) -> None:
    conversation = add_turn(ConversationFactory.create(owner=user, title="Groceries"), chat_turn("buy milk", "Done."))
    response = api_client.get(conversations_url(user))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    [item] = body["results"]
    assert set(item) == SUMMARY_FIELDS
    assert item["id"] == str(conversation.pk)
    assert item["title"] == "Groceries"
    assert item["message_count"] == 2


def test_list_is_most_recent_activity_first(api_client: APIClient, user: User) -> None:
    now = timezone.now()
    oldest, middle, newest = (
        ConversationFactory.create(owner=user, title=title) for title in ("oldest", "middle", "newest")
    )
    for offset, conversation in enumerate((oldest, middle, newest)):
        set_updated_at(conversation, now - timedelta(hours=3 - offset))

    titles = [item["title"] for item in api_client.get(conversations_url(user)).json()["results"]]
    assert titles == ["newest", "middle", "oldest"]

    # A new turn in the oldest conversation moves it to the top.
    add_turn(oldest, chat_turn("still there?", "Yes."))
    titles = [item["title"] for item in api_client.get(conversations_url(user)).json()["results"]]
    assert titles == ["oldest", "newest", "middle"]


def test_list_after_chatting_orders_by_last_turn(
    api_client: APIClient, user: User, scripted_openai: ScriptedOpenAI
) -> None:
    chat_url = f"/api/{user.pk}/chat"
    first = api_client.post(chat_url, {"message": "first"}, format="json").json()["conversation_id"]
    second = api_client.post(chat_url, {"message": "second"}, format="json").json()["conversation_id"]
    api_client.post(chat_url, {"message": "again", "conversation_id": first}, format="json")

    results = api_client.get(conversations_url(user)).json()["results"]
    assert [(item["id"], item["message_count"]) for item in results] == [(first, 4), (second, 2)]


def test_list_is_paginated(api_client: APIClient, user: User) -> None:
    now = timezone.now()
    for n in range(25):
        set_updated_at(ConversationFactory.create(owner=user, title=f"c{n:02}"), now - timedelta(minutes=n))

    first_page = api_client.get(conversations_url(user)).json()
    assert first_page["count"] == 25
    assert len(first_page["results"]) == 20
    assert first_page["previous"] is None
    assert "page=2" in first_page["next"]
    assert [item["title"] for item in first_page["results"]] == [f"c{n:02}" for n in range(20)]

    second_page = api_client.get(first_page["next"]).json()
    assert [item["title"] for item in second_page["results"]] == [f"c{n:02}" for n in range(20, 25)]
    assert second_page["next"] is None
    assert second_page["previous"] is not None

    assert api_client.get(conversations_url(user), {"page": 3}).status_code == 404


def test_list_pages_as_the_other_lists_do_with_a_page_size_up_to_100(api_client: APIClient, user: User) -> None:
    now = timezone.now()
    for n in range(25):
        set_updated_at(ConversationFactory.create(owner=user, title=f"c{n:02}"), now - timedelta(minutes=n))

    small = api_client.get(conversations_url(user), {"page_size": 10, "page": 3}).json()
    assert [item["title"] for item in small["results"]] == [f"c{n:02}" for n in range(20, 25)]
    assert small["next"] is None and "page_size=10" in small["previous"]
    assert len(api_client.get(conversations_url(user), {"page_size": 1000}).json()["results"]) == 25


def test_list_shows_only_own_conversations(api_client: APIClient, user: User, other_user: User) -> None:
    ConversationFactory.create(owner=other_user, title="theirs")
    ConversationFactory.create(owner=user, title="mine")
    body = api_client.get(conversations_url(user)).json()
    assert body["count"] == 1
    assert [item["title"] for item in body["results"]] == ["mine"]


def test_empty_list(api_client: APIClient, user: User) -> None:
    assert api_client.get(conversations_url(user)).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


# --- detail and messages ------------------------------------------------------------------


def messages_url(user: User, conversation_id: uuid.UUID | str) -> str:
    return f"{conversations_url(user, conversation_id)}/messages"


def test_detail_is_the_conversation_with_a_link_to_its_messages(api_client: APIClient, user: User) -> None:
    conversation = add_turn(ConversationFactory.create(owner=user, title="Groceries"), chat_turn("buy milk", "Done."))

    response = api_client.get(conversations_url(user, conversation.pk))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == SUMMARY_FIELDS | {"messages_url"}
    assert (body["id"], body["title"], body["message_count"]) == (str(conversation.pk), "Groceries", 2)
    assert body["messages_url"] == f"http://testserver{messages_url(user, conversation.pk)}"
    assert [m["content"] for m in api_client.get(body["messages_url"]).json()["results"]] == ["buy milk", "Done."]


def test_messages_are_in_order_with_tool_calls(api_client: APIClient, user: User) -> None:
    conversation = ConversationFactory.create(owner=user, title="Groceries")
    add_turn(
        conversation,
        tool_turn(
            "add a task to buy groceries",
            name="add_task",
            arguments={"title": "Buy groceries", "description": None},
            result={"success": True, "task": {"id": 1, "title": "Buy groceries"}},
            reply='Added task 1 "Buy groceries".',
            call_id="call_1",
        ),
    )
    add_turn(conversation, chat_turn("thanks", "You're welcome."))

    response = api_client.get(messages_url(user, conversation.pk))

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (6, None, None)
    messages = body["results"]
    assert all(set(message) == MESSAGE_FIELDS for message in messages)
    assert [(m["position"], m["role"]) for m in messages] == [
        (0, "user"),
        (1, "assistant"),
        (2, "tool"),
        (3, "assistant"),
        (4, "user"),
        (5, "assistant"),
    ]
    assert messages[0]["content"] == "add a task to buy groceries"
    assert messages[0]["tool_calls"] is None
    assert messages[1]["tool_calls"] == [
        tool_call("call_1", "add_task", {"title": "Buy groceries", "description": None})
    ]
    assert (messages[2]["tool_call_id"], messages[2]["name"]) == ("call_1", "add_task")
    assert '"success": true' in messages[2]["content"]
    assert messages[3]["content"] == 'Added task 1 "Buy groceries".'
    assert messages[5]["content"] == "You're welcome."


def test_messages_order_by_turn_and_step_not_by_insertion(api_client: APIClient, user: User) -> None:
    """Turns in the order they started, steps in the order they completed: a turn that stores
    its reply after a later turn started stays before it."""
    conversation = ConversationFactory.create(owner=user)
    first = Turn.objects.create(conversation=conversation)
    second = Turn.objects.create(conversation=conversation)
    for turn, step, content in [(second, 0, "third"), (first, 1, "second"), (first, 0, "first")]:
        Message.objects.create(conversation=conversation, turn=turn, step=step, role="user", content=content)
    Conversation.objects.filter(pk=conversation.pk).update(message_count=3)

    messages = api_client.get(messages_url(user, conversation.pk)).json()["results"]

    assert [(m["position"], m["content"]) for m in messages] == [(0, "first"), (1, "second"), (2, "third")]
    assert [(m["turn"], m["step"]) for m in messages] == [(first.pk, 0), (first.pk, 1), (second.pk, 0)]


def test_messages_come_a_page_at_a_time_with_positions_over_the_whole_conversation(
    api_client: APIClient, user: User
) -> None:
    conversation = ConversationFactory.create(owner=user)
    for index in range(25):
        add_turn(conversation, chat_turn(f"question {index}", f"answer {index}"))

    first = api_client.get(messages_url(user, conversation.pk)).json()
    last = api_client.get(messages_url(user, conversation.pk), {"page": 3, "page_size": 20}).json()
    large = api_client.get(messages_url(user, conversation.pk), {"page_size": 1000}).json()

    assert first["count"] == 50 and len(first["results"]) == 20  # PAGE_SIZE
    assert first["next"].endswith("/messages?page=2") and first["previous"] is None
    assert [m["position"] for m in last["results"]] == list(range(40, 50))
    assert last["results"][-1]["content"] == "answer 24" and last["next"] is None
    assert len(large["results"]) == 50  # at most 100 a page


def test_messages_of_an_empty_conversation(api_client: APIClient, user: User) -> None:
    conversation = ConversationFactory.create(owner=user)
    body = api_client.get(messages_url(user, conversation.pk)).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}
    assert api_client.get(conversations_url(user, conversation.pk)).json()["message_count"] == 0


def test_messages_of_another_users_conversation_are_404_like_an_unknown_one(
    api_client: APIClient, user: User, other_user: User
) -> None:
    theirs = add_turn(ConversationFactory.create(owner=other_user, title="Private"), chat_turn("secret", "ok"))

    for conversation_id in (theirs.pk, uuid.uuid4()):
        response = api_client.get(messages_url(user, conversation_id))
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
    assert "secret" not in api_client.get(messages_url(user, theirs.pk)).content.decode()


def test_messages_of_another_users_path_are_403(api_client: APIClient, other_user: User) -> None:
    theirs = add_turn(ConversationFactory.create(owner=other_user), chat_turn("secret", "ok"))
    response = api_client.get(messages_url(other_user, theirs.pk))
    assert response.status_code == 403
    assert "secret" not in response.content.decode()


# --- delete --------------------------------------------------------------------------------


def test_delete_removes_the_conversation_and_its_messages(api_client: APIClient, user: User) -> None:
    doomed = add_turn(ConversationFactory.create(owner=user), chat_turn("one", "two"))
    kept = add_turn(ConversationFactory.create(owner=user), chat_turn("three", "four"))

    response = api_client.delete(conversations_url(user, doomed.pk))

    assert response.status_code == 204
    assert not response.content
    assert not Conversation.objects.filter(pk=doomed.pk).exists()
    assert not Message.objects.filter(conversation_id=doomed.pk).exists()
    assert Message.objects.filter(conversation=kept).count() == 2
    assert api_client.get(conversations_url(user, doomed.pk)).status_code == 404
    assert api_client.delete(conversations_url(user, doomed.pk)).status_code == 404
    assert [item["id"] for item in api_client.get(conversations_url(user)).json()["results"]] == [str(kept.pk)]


# --- rename --------------------------------------------------------------------------------


def test_rename_sets_the_title_folding_spaces(api_client: APIClient, user: User) -> None:
    conversation = add_turn(ConversationFactory.create(owner=user, title="add buy milk"), chat_turn("one", "two"))

    response = api_client.patch(conversations_url(user, conversation.pk), {"title": "  Groceries \n for the week "})

    assert response.status_code == 200
    assert response.json()["title"] == "Groceries for the week"
    assert response.json()["message_count"] == 2
    conversation.refresh_from_db()
    assert conversation.title == "Groceries for the week"


@pytest.mark.parametrize("title", ["", "   "])
def test_rename_refuses_an_empty_title(api_client: APIClient, user: User, title: str) -> None:
    conversation = ConversationFactory.create(owner=user, title="Kept")

    response = api_client.patch(conversations_url(user, conversation.pk), {"title": title})

    assert response.status_code == 400
    assert "title" in response.json()
    conversation.refresh_from_db()
    assert conversation.title == "Kept"


def test_rename_of_another_users_conversation_is_404(api_client: APIClient, user: User) -> None:
    other = ConversationFactory.create(title="Theirs")

    response = api_client.patch(conversations_url(user, other.pk), {"title": "Mine"})

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.title == "Theirs"


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "delete"])
def test_unknown_conversation_is_404(api_client: APIClient, user: User, method: str) -> None:
    response = getattr(api_client, method)(conversations_url(user, uuid.uuid4()))
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("method", ["get", "delete"])
def test_another_users_conversation_is_404_like_an_unknown_one(
    api_client: APIClient, user: User, other_user: User, method: str
) -> None:
    theirs = add_turn(ConversationFactory.create(owner=other_user, title="Private"), chat_turn("secret", "ok"))
    response = getattr(api_client, method)(conversations_url(user, theirs.pk))
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert "Private" not in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.messages.count() == 2


@pytest.mark.parametrize(
    "method, detail", [("get", False), ("get", True), ("delete", True)], ids=["list", "detail", "delete"]
)
def test_requires_authentication(anonymous_client: APIClient, user: User, method: str, detail: bool) -> None:
    conversation = add_turn(ConversationFactory.create(owner=user), chat_turn("one", "two"))
    url = conversations_url(user, conversation.pk if detail else None)
    response = getattr(anonymous_client, method)(url)
    assert response.status_code == 401
    assert "detail" in response.json()
    assert Message.objects.count() == 2


@pytest.mark.parametrize(
    "method, detail", [("get", False), ("get", True), ("delete", True)], ids=["list", "detail", "delete"]
)
def test_bad_token_is_401(anonymous_client: APIClient, user: User, method: str, detail: bool) -> None:
    conversation = ConversationFactory.create(owner=user)
    anonymous_client.credentials(HTTP_AUTHORIZATION="Bearer abc.def.ghi")
    url = conversations_url(user, conversation.pk if detail else None)
    assert getattr(anonymous_client, method)(url).status_code == 401
    assert Conversation.objects.filter(pk=conversation.pk).exists()


@pytest.mark.parametrize(
    "method, detail", [("get", False), ("get", True), ("delete", True)], ids=["list", "detail", "delete"]
)
def test_another_users_path_is_403(api_client: APIClient, other_user: User, method: str, detail: bool) -> None:
    theirs = ConversationFactory.create(owner=other_user)
    url = conversations_url(other_user, theirs.pk if detail else None)
    response = getattr(api_client, method)(url)
    assert response.status_code == 403
    assert response.json() == {"detail": "You may only access your own data.", "code": "permission_denied"}
    assert Conversation.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize(
    "url",
    ["/api/not-a-uuid/conversations", "/api/{user_id}/conversations/not-a-uuid", "/api/{user_id}/conversations/1"],
)
def test_non_uuid_ids_in_the_path_are_404_json(api_client: APIClient, user: User, url: str) -> None:
    response = api_client.get(url.format(user_id=user.pk))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
