"""The HTTP contract of `POST /api/<user_id>/chat`.

Replies are scripted (`scripted_openai`) so every answer is exact; the last tests run the
offline agent, as a fresh install would, and assert on its reply only loosely.
"""

import uuid
from unittest.mock import ANY

import pytest
from django.core.cache import cache

from chat.models import TITLE_MAX_LENGTH, Conversation, Message
from chat.selectors import messages_in_order
from chat.tests.factories import ConversationFactory, add_turn, chat_turn
from chat.tests.helpers import chat, chat_url
from chat.tests.scripted_openai import error, reply, tool_calls
from conftest import client_for
from todos.models import Todo

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "Conversation not found.", "code": "conversation_not_found"}


def nothing_stored() -> bool:
    return not Conversation.objects.exists() and not Message.objects.exists() and not Todo.objects.exists()


@pytest.fixture
def clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def chat_rate(settings, clear_cache):
    """Set the chat throttle rate for one test (the throttle reads it per request)."""

    def set_rate(rate: str | None) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "chat": rate},
        }

    return set_rate


# --- 200: the reply, the tool calls, the usage ---------------------------------------------


def test_new_conversation_returns_reply_tool_calls_and_usage(api_client, user, scripted_openai):
    scripted_openai.script(
        tool_calls(("add_task", {"title": "Buy groceries", "description": None}), tokens=(100, 20)),
        reply('Added task 1 "Buy groceries".', tokens=(150, 12)),
    )
    response = chat(api_client, user, "Add a task to buy groceries")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"conversation_id", "message", "tool_calls", "usage"}
    assert body["message"] == 'Added task 1 "Buy groceries".'
    assert body["tool_calls"] == [
        {
            "tool_name": "add_task",
            "arguments": {"title": "Buy groceries", "description": None},
            "result": {
                "success": True,
                "task": {
                    "id": 1,
                    "title": "Buy groceries",
                    "description": "",
                    "completed": False,
                    "due_date": None,
                    "due_time": None,
                    "priority": "none",
                    "recurrence": None,
                    "overdue": False,
                    "completed_at": None,
                    "created_at": ANY,
                    "updated_at": ANY,
                },
            },
        }
    ]
    assert body["usage"] == {"prompt_tokens": 250, "completion_tokens": 32, "total_tokens": 282}

    conversation = Conversation.objects.get()
    assert str(conversation.pk) == body["conversation_id"]
    assert conversation.owner == user
    assert conversation.title == "Add a task to buy groceries"
    assert conversation.message_count == 4
    stored = [(m.position, m.role) for m in messages_in_order().filter(conversation=conversation)]
    assert stored == [(0, "user"), (1, "assistant"), (2, "tool"), (3, "assistant")]
    assert Todo.objects.get(owner=user).title == "Buy groceries"


def test_tool_calls_are_listed_in_the_order_they_ran(api_client, user, scripted_openai):
    scripted_openai.script(
        tool_calls(
            ("add_task", {"title": "Pay rent", "description": None}),
            ("add_task", {"title": "Call mom", "description": "Sunday"}),
        ),
        tool_calls(("complete_task", {"task_id": 1})),
        reply("Added two tasks and completed the first."),
    )
    body = chat(api_client, user, "Add pay rent and call mom, and mark rent done").json()

    assert [(call["tool_name"], call["arguments"]) for call in body["tool_calls"]] == [
        ("add_task", {"title": "Pay rent", "description": None}),
        ("add_task", {"title": "Call mom", "description": "Sunday"}),
        ("complete_task", {"task_id": 1}),
    ]
    assert [call["result"]["task"]["id"] for call in body["tool_calls"]] == [1, 2, 1]
    assert body["tool_calls"][2]["result"]["task"]["completed"] is True
    assert body["usage"] == {"prompt_tokens": 30, "completion_tokens": 15, "total_tokens": 45}


def test_a_reply_without_tools_has_no_tool_calls(api_client, user, scripted_openai):
    scripted_openai.script(reply("Hello! How can I help?"))
    body = chat(api_client, user, "hi").json()
    assert body["message"] == "Hello! How can I help?"
    assert body["tool_calls"] == []
    assert body["usage"] == {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


# --- new vs continued conversation ---------------------------------------------------------


def test_without_conversation_id_each_message_starts_a_new_conversation(api_client, user, scripted_openai):
    first = chat(api_client, user, "first").json()["conversation_id"]
    second = chat(api_client, user, "second").json()["conversation_id"]
    assert first != second
    assert set(Conversation.objects.values_list("title", flat=True)) == {"first", "second"}


def test_null_conversation_id_starts_a_new_conversation(api_client, user, scripted_openai):
    response = api_client.post(chat_url(user), {"message": "hi", "conversation_id": None}, format="json")
    assert response.status_code == 200
    assert Conversation.objects.get().pk == uuid.UUID(response.json()["conversation_id"])


def test_with_conversation_id_the_conversation_continues(api_client, user, scripted_openai):
    scripted_openai.script(reply("Noted: milk."), reply("You said milk."))
    conversation_id = chat(api_client, user, "Remember milk").json()["conversation_id"]

    response = chat(api_client, user, "What did I say?", conversation_id)

    assert response.status_code == 200
    assert response.json()["conversation_id"] == conversation_id
    assert response.json()["message"] == "You said milk."
    conversation = Conversation.objects.get()
    assert conversation.title == "Remember milk"
    assert conversation.message_count == 4
    assert [(m.position, m.role, m.content) for m in messages_in_order().filter(conversation=conversation)] == [
        (0, "user", "Remember milk"),
        (1, "assistant", "Noted: milk."),
        (2, "user", "What did I say?"),
        (3, "assistant", "You said milk."),
    ]
    # The model saw the earlier turn before the new message.
    sent = [(m["role"], m.get("content")) for m in scripted_openai.requests[1]["messages"][1:]]
    assert sent == [("user", "Remember milk"), ("assistant", "Noted: milk."), ("user", "What did I say?")]


def test_a_conversation_made_elsewhere_can_be_continued(api_client, user, scripted_openai):
    conversation = add_turn(ConversationFactory(owner=user, title="Old"), chat_turn("one", "two"))
    response = chat(api_client, user, "three", conversation.pk)
    assert response.status_code == 200
    conversation.refresh_from_db()
    assert conversation.message_count == 4
    assert conversation.title == "Old"


# --- the title -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message, title",
    [
        ("Buy groceries", "Buy groceries"),
        ("  Buy \n groceries\tand   milk  ", "Buy groceries and milk"),
        ("x" * TITLE_MAX_LENGTH, "x" * TITLE_MAX_LENGTH),
    ],
)
def test_a_short_first_message_is_the_title(api_client, user, scripted_openai, message, title):
    assert chat(api_client, user, message).status_code == 200
    assert Conversation.objects.get().title == title


def test_a_long_first_message_is_cut_at_a_word_boundary(api_client, user, scripted_openai):
    message = " ".join(["groceries"] * 40)  # 399 characters
    assert chat(api_client, user, message).status_code == 200
    title = Conversation.objects.get().title
    assert len(title) <= TITLE_MAX_LENGTH
    assert title.endswith("…")
    kept = title.removesuffix("…")
    assert message.startswith(kept)
    assert kept.split() == ["groceries"] * len(kept.split())  # whole words only
    assert len(kept) >= TITLE_MAX_LENGTH // 2


def test_a_word_ending_right_at_the_cut_is_kept(api_client, user, scripted_openai):
    # The first 79 characters end with a whole word: it fits with the "…" (80 in all).
    message = "a" * 70 + " " + "b" * 8 + " " + "c" * 10
    assert chat(api_client, user, message).status_code == 200
    assert Conversation.objects.get().title == "a" * 70 + " " + "b" * 8 + "…"


def test_a_long_single_word_is_cut_to_fit(api_client, user, scripted_openai):
    assert chat(api_client, user, "y" * 500).status_code == 200
    assert Conversation.objects.get().title == "y" * (TITLE_MAX_LENGTH - 1) + "…"


def test_one_character_over_is_cut(api_client, user, scripted_openai):
    message = "a" * 70 + " " + "b" * 10  # 81 characters
    assert chat(api_client, user, message).status_code == 200
    assert Conversation.objects.get().title == "a" * 70 + "…"


def test_a_continued_conversation_keeps_its_title(api_client, user, scripted_openai):
    conversation_id = chat(api_client, user, "first words").json()["conversation_id"]
    chat(api_client, user, "later words", conversation_id)
    assert Conversation.objects.get().title == "first words"


# --- 400: bad input, nothing stored --------------------------------------------------------


@pytest.mark.parametrize(
    "data, field",
    [
        ({"message": ""}, "message"),
        ({"message": "   \n\t "}, "message"),
        ({"message": "x" * 2001}, "message"),
        ({}, "message"),
        ({"message": None}, "message"),
        ({"message": ["a", "list"]}, "message"),
        ({"conversation_id": str(uuid.uuid4())}, "message"),
        ({"message": "hi", "conversation_id": "not-a-uuid"}, "conversation_id"),
        ({"message": "hi", "conversation_id": str(uuid.uuid4())[:-1]}, "conversation_id"),
        ({"message": "hi", "conversation_id": {"id": 1}}, "conversation_id"),
    ],
    ids=[
        "empty",
        "whitespace",
        "too-long",
        "missing",
        "null",
        "list",
        "only-conversation-id",
        "malformed-conversation-id",
        "truncated-conversation-id",
        "object-conversation-id",
    ],
)
def test_invalid_input_is_400_and_stores_nothing(api_client, user, scripted_openai, data, field):
    response = api_client.post(chat_url(user), data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert nothing_stored()
    assert scripted_openai.requests == []


def test_message_of_exactly_2000_characters_is_accepted(api_client, user, scripted_openai):
    assert chat(api_client, user, "x" * 2000).status_code == 200
    assert Message.objects.filter(role="user").get().content == "x" * 2000


def test_non_json_body_is_400_and_stores_nothing(api_client, user, scripted_openai):
    response = api_client.post(chat_url(user), data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()
    assert nothing_stored()
    assert scripted_openai.requests == []


def test_invalid_input_to_an_existing_conversation_adds_nothing(api_client, user, scripted_openai):
    conversation = add_turn(ConversationFactory(owner=user), chat_turn("one", "two"))
    response = chat(api_client, user, "   ", conversation.pk)
    assert response.status_code == 400
    conversation.refresh_from_db()
    assert conversation.message_count == 2
    assert conversation.messages.count() == 2


# --- 401 / 403 / 404 -----------------------------------------------------------------------


def test_no_token_is_401_and_stores_nothing(anonymous_client, user, scripted_openai):
    response = chat(anonymous_client, user, "add a task")
    assert response.status_code == 401
    assert "detail" in response.json()
    assert response.has_header("WWW-Authenticate")
    assert nothing_stored()


@pytest.mark.parametrize("header", ["Bearer abc.def.ghi", "Bearer ", "Token whatever", "Basic dXNlcjpwYXNz"])
def test_bad_token_is_401_and_stores_nothing(anonymous_client, user, scripted_openai, header):
    anonymous_client.credentials(HTTP_AUTHORIZATION=header)
    assert chat(anonymous_client, user, "add a task").status_code == 401
    assert nothing_stored()


def test_another_users_path_is_403_and_stores_nothing(api_client, other_user, scripted_openai):
    response = chat(api_client, other_user, "add a task")
    assert response.status_code == 403
    assert response.json() == {"detail": "You may only access your own data.", "code": "permission_denied"}
    assert nothing_stored()
    assert scripted_openai.requests == []


def test_unknown_user_id_in_path_is_403(api_client, scripted_openai):
    response = api_client.post(f"/api/{uuid.uuid4()}/chat", {"message": "hi"}, format="json")
    assert response.status_code == 403
    assert nothing_stored()


def test_non_uuid_user_id_in_path_is_404_json(api_client, scripted_openai):
    response = api_client.post("/api/not-a-uuid/chat", {"message": "hi"}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    assert nothing_stored()


def test_unknown_conversation_is_404_and_stores_nothing(api_client, user, scripted_openai):
    response = chat(api_client, user, "hi", uuid.uuid4())
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert nothing_stored()
    assert scripted_openai.requests == []


def test_another_users_conversation_is_404_like_an_unknown_one(api_client, user, other_user, scripted_openai):
    theirs = add_turn(ConversationFactory(owner=other_user, title="Private"), chat_turn("secret", "ok"))

    response = chat(api_client, user, "what did they say?", theirs.pk)

    assert response.status_code == 404
    assert response.json() == NOT_FOUND == chat(api_client, user, "hi", uuid.uuid4()).json()
    theirs.refresh_from_db()
    assert theirs.message_count == 2
    assert Message.objects.count() == 2
    assert not Conversation.objects.filter(owner=user).exists()
    assert scripted_openai.requests == []


# --- provider errors -----------------------------------------------------------------------


def test_provider_error_names_the_conversation_and_keeps_the_users_message(api_client, user, scripted_openai, settings):
    settings.OPENAI_MAX_RETRIES = 0
    scripted_openai.script(error(500))

    response = chat(api_client, user, "add a task to buy milk")

    assert response.status_code == 502
    body = response.json()
    assert set(body) == {"detail", "code", "conversation_id"}
    conversation = Conversation.objects.get(pk=body["conversation_id"])
    assert list(conversation.messages.values_list("role", "content")) == [("user", "add a task to buy milk")]
    # The client can retry into the same conversation.
    scripted_openai.script(reply("Sorry about that, what was it?"))
    retry = chat(api_client, user, "are you there?", conversation.pk)
    assert retry.status_code == 200
    assert retry.json()["conversation_id"] == body["conversation_id"]


# --- throttle ------------------------------------------------------------------------------


def test_throttle_is_per_user_and_answers_429_with_retry_after(
    api_client, user, other_user, scripted_openai, chat_rate
):
    chat_rate("2/min")
    statuses = [chat(api_client, user, f"message {n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]

    blocked = chat(api_client, user, "one more")
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "detail" in blocked.json()
    assert Conversation.objects.filter(owner=user).count() == 2

    assert chat(client_for(other_user), other_user, "I am someone else").status_code == 200


def test_throttle_rate_is_read_per_request(api_client, user, scripted_openai, chat_rate):
    chat_rate(None)
    assert all(chat(api_client, user, f"m{n}").status_code == 200 for n in range(4))
    chat_rate("1/min")
    cache.clear()
    assert chat(api_client, user, "first").status_code == 200
    assert chat(api_client, user, "second").status_code == 429


# --- the browsable API ---------------------------------------------------------------------


def test_browsable_api_shows_a_form_with_the_message_field(api_client, user):
    response = api_client.get(chat_url(user), HTTP_ACCEPT="text/html")
    assert response.status_code == 200  # a description above the form, not a 405 block
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "<form" in html
    assert 'name="message"' in html
    assert nothing_stored()


def test_get_as_json_describes_the_endpoint(api_client, user):
    response = api_client.get(chat_url(user))
    assert response.status_code == 200
    assert set(response.json()) == {"detail", "conversation_id"}
    assert nothing_stored()


# --- out of the box: the offline agent -----------------------------------------------------


def test_offline_agent_works_out_of_the_box(api_client, user, settings):
    settings.AGENT_BACKEND = "offline"
    response = chat(api_client, user, "add a task to buy groceries")

    assert response.status_code == 200
    body = response.json()
    task = Todo.objects.get(owner=user)
    assert "groceries" in task.title.lower()
    assert "groceries" in body["message"].lower()
    assert [call["tool_name"] for call in body["tool_calls"]] == ["add_task"]
    assert body["tool_calls"][0]["result"]["success"] is True
    assert body["usage"] == {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    conversation = Conversation.objects.get(pk=body["conversation_id"])
    assert conversation.owner == user
    assert conversation.message_count == conversation.messages.count() >= 2


def test_offline_agent_continues_a_conversation(api_client, user, settings):
    settings.AGENT_BACKEND = "offline"
    conversation_id = chat(api_client, user, "add a task to buy groceries").json()["conversation_id"]
    response = chat(api_client, user, "show my tasks", conversation_id)
    assert response.status_code == 200
    assert response.json()["conversation_id"] == conversation_id
    assert "groceries" in response.json()["message"].lower()
    assert Conversation.objects.count() == 1
