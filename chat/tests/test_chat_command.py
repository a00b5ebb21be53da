"""`manage.py chat --user <username>`: chat with the assistant in the terminal."""

import json
import logging
import sys
import uuid
from collections.abc import Iterable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pytest_django import Settings

from accounts.models import User
from chat.models import Conversation
from chat.tests.factories import ConversationFactory, add_turn, chat_turn
from chat.tests.scripted_openai import ScriptedOpenAI, error, reply, tool_calls
from todos.models import Todo
from todos.services import add_task

pytestmark = pytest.mark.django_db


def feed(monkeypatch: pytest.MonkeyPatch, lines: Iterable[str]) -> list[str]:
    """Answer each `input()` with the next line; EOF after the last. Returns the prompts shown."""
    remaining = iter(lines)
    prompts: list[str] = []

    def fake_input(prompt: str = "") -> str:
        prompts.append(prompt)
        try:
            return next(remaining)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    return prompts


def run_chat(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("chat", *args, stdout=out, stderr=err, no_color=True)
    return out.getvalue(), err.getvalue()


def resume_command(user: User, conversation: Conversation) -> str:
    return f"make chat CHAT_USER={user.username} CONVERSATION={conversation.pk}"


def test_the_resume_command_names_the_makefiles_variables() -> None:
    """The hint is `make chat ...`: the Makefile's chat target must take those two variables."""
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "--user '$(CHAT_USER)'" in makefile
    assert "--conversation '$(CONVERSATION)'" in makefile


def test_adds_a_task_with_the_offline_agent(monkeypatch: pytest.MonkeyPatch, user: User, settings: Settings) -> None:
    settings.AGENT_BACKEND = "offline"
    prompts = feed(monkeypatch, ["add a task to buy groceries", ""])

    out, err = run_chat("--user", user.username)

    task = Todo.objects.get(owner=user)
    assert "groceries" in task.title.lower()
    assert user.username in out and "offline" in out
    assert "[add_task]" not in out  # tool calls only with --verbose
    assert "assistant>" in out
    assert "groceries" in out.split("assistant>", 1)[1].lower()
    assert err == ""
    assert len(prompts) == 2  # the empty line quit
    assert Conversation.objects.get(owner=user).messages.filter(role="user").count() == 1


def test_end_of_input_quits(monkeypatch: pytest.MonkeyPatch, user: User) -> None:
    feed(monkeypatch, [])
    out, _ = run_chat("--user", user.username)
    assert "Chatting as" in out
    assert "--conversation" not in out  # nothing to resume
    assert not Conversation.objects.exists()


def test_by_default_only_the_replies_show(
    monkeypatch: pytest.MonkeyPatch, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    feed(monkeypatch, ["add a task to buy groceries", "mark it done"])

    with caplog.at_level(logging.INFO):
        out, err = run_chat("--user", user.username)

    assert err == ""
    assert not [record for record in caplog.records if record.levelno <= logging.INFO]
    assert logging.getLogger("chat.turn").isEnabledFor(logging.INFO)  # switched back on after the session
    lines = out.splitlines()
    assert [line for line in lines if line.startswith("assistant> ")] == [
        line for line in lines if "assistant>" in line
    ]
    assert len([line for line in lines if line.startswith("assistant> ")]) == 2
    for line in lines:
        assert "{" not in line and "'success'" not in line and "chat_turn" not in line, line


def test_the_resume_command_is_printed_after_the_first_turn_and_at_exit(
    monkeypatch: pytest.MonkeyPatch, user: User
) -> None:
    feed(monkeypatch, ["add a task to buy groceries", "what's pending?"])

    out, _ = run_chat("--user", user.username)

    conversation = Conversation.objects.get(owner=user)
    assert out.count(resume_command(user, conversation)) == 2
    first_reply, rest = out.split("assistant> ", 1)
    assert resume_command(user, conversation) not in first_reply
    assert resume_command(user, conversation) in rest.split("assistant> ", 1)[0]  # before the second reply
    assert out.rstrip().endswith(resume_command(user, conversation))


def test_verbose_shows_one_readable_line_per_tool_call_and_the_log_line(
    monkeypatch: pytest.MonkeyPatch, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    add_task(owner=user, title="Pay bills")
    feed(monkeypatch, ["add a task to buy groceries", "mark task 1 done", "delete task 9"])

    with caplog.at_level(logging.INFO, logger="chat.turn"):
        out, _ = run_chat("--user", user.username, "--verbose")

    tool_lines = [line.strip() for line in out.splitlines() if line.startswith("  ") and "(" in line]
    assert tool_lines[0].startswith('add_task(title="Buy groceries"')
    assert tool_lines[0].endswith('-> Added task 2 "Buy groceries"')
    assert 'complete_task(task_id=1) -> Completed task 1 "Pay bills"' in tool_lines
    assert any(line.startswith("delete_task(task_id=9) -> failed:") for line in tool_lines)
    assert not any("{" in line for line in tool_lines)
    logged = [json.loads(record.getMessage()) for record in caplog.records if record.name == "chat.turn"]
    assert len(logged) == 3


def test_line_editing_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch, user: User) -> None:
    monkeypatch.delitem(sys.modules, "readline", raising=False)
    monkeypatch.setattr(sys, "stdin", StringIO())  # not a terminal
    feed(monkeypatch, [])
    run_chat("--user", user.username)
    assert "readline" not in sys.modules

    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    run_chat("--user", user.username)
    assert "readline" in sys.modules  # input() now has line editing and Up/Down history


def test_one_session_is_one_conversation(
    monkeypatch: pytest.MonkeyPatch, user: User, scripted_openai: ScriptedOpenAI
) -> None:
    scripted_openai.script(
        tool_calls(("add_task", {"title": "Buy milk", "description": None})),
        reply('Added task 1 "Buy milk".'),
        reply("You have one task: Buy milk."),
    )
    feed(monkeypatch, ["add buy milk", "what do I have?"])

    out, _ = run_chat("--user", user.username)

    conversation = Conversation.objects.get(owner=user)
    assert conversation.title == "add buy milk"
    assert conversation.message_count == 6
    assert 'assistant> Added task 1 "Buy milk".' in out
    assert "assistant> You have one task: Buy milk." in out
    assert Todo.objects.get(owner=user).title == "Buy milk"


def test_continues_a_given_conversation(
    monkeypatch: pytest.MonkeyPatch, user: User, scripted_openai: ScriptedOpenAI
) -> None:
    conversation = add_turn(ConversationFactory.create(owner=user, title="Earlier"), chat_turn("hello", "Hi!"))
    scripted_openai.script(reply("Welcome back."))
    feed(monkeypatch, ["again"])

    out, _ = run_chat("--user", user.username, "--conversation", str(conversation.pk))

    assert "assistant> Welcome back." in out
    assert (
        out.splitlines()[1] == f"Conversation {conversation.pk}. To continue it: {resume_command(user, conversation)}"
    )
    assert out.rstrip().endswith(resume_command(user, conversation))
    conversation.refresh_from_db()
    assert conversation.message_count == 4
    assert Conversation.objects.count() == 1


def test_a_provider_error_is_reported_and_the_session_goes_on(
    monkeypatch: pytest.MonkeyPatch, user: User, scripted_openai: ScriptedOpenAI, settings: Settings
) -> None:
    settings.OPENAI_MAX_RETRIES = 0
    scripted_openai.script(error(500), reply("Here now."))
    feed(monkeypatch, ["first try", "second try"])

    out, err = run_chat("--user", user.username)

    assert err.startswith("error:")
    assert "assistant> Here now." in out
    conversation = Conversation.objects.get(owner=user)  # the retry went into the same conversation
    assert list(conversation.messages.filter(role="user").values_list("content", flat=True)) == [
        "first try",
        "second try",
    ]


def test_unknown_user_is_a_command_error(monkeypatch: pytest.MonkeyPatch, user: User) -> None:
    feed(monkeypatch, ["add a task to buy groceries"])
    with pytest.raises(CommandError, match="nobody"):
        run_chat("--user", "nobody")
    assert not Conversation.objects.exists()
    assert not Todo.objects.exists()


def test_malformed_conversation_id_is_a_command_error(monkeypatch: pytest.MonkeyPatch, user: User) -> None:
    feed(monkeypatch, ["hello"])
    with pytest.raises(CommandError, match="UUID"):
        run_chat("--user", user.username, "--conversation", "not-a-uuid")


@pytest.mark.parametrize("whose", ["unknown", "another user's"])
def test_a_conversation_the_user_does_not_have_is_a_command_error(
    monkeypatch: pytest.MonkeyPatch, user: User, other_user: User, scripted_openai: ScriptedOpenAI, whose: str
) -> None:
    # Like an unknown --user or a malformed --conversation: a clear message, not a traceback.
    theirs = add_turn(ConversationFactory.create(owner=other_user), chat_turn("secret", "ok"))
    conversation_id = uuid.uuid4() if whose == "unknown" else theirs.pk
    feed(monkeypatch, ["hello"])
    with pytest.raises(CommandError, match="not found"):
        run_chat("--user", user.username, "--conversation", str(conversation_id))
    theirs.refresh_from_db()
    assert theirs.message_count == 2
    assert not Conversation.objects.filter(owner=user).exists()
    assert scripted_openai.requests == []
