import logging
import shlex
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from asgiref.sync import async_to_sync
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from chat.agent.clients import backend_name
from chat.agent.events import TextDelta, ToolCallFinished, ToolCallStarted, TurnStarted
from chat.agent.messages import ToolArguments, ToolRun, describe_run
from chat.errors import ConversationNotFound, ModelError
from chat.selectors import get_conversation
from chat.services import turn_events
from config.errors import DeclaredError

HELP = """Chat with the todo assistant in the terminal, as a given user (uses the configured agent).

Prints only the replies; --verbose adds one line per tool call and the per-turn log lines.
An empty line or Ctrl-D quits; the conversation id and the command that continues it are
printed. Settings need SECRET_KEY set or DEBUG=1: `make chat CHAT_USER=<username>` or
`DEBUG=1 .venv/bin/python manage.py chat --user <username>`."""


def enable_line_editing() -> bool:
    """On a terminal, load `readline` so that `input()` gets line editing and Up/Down history
    (kept in memory for this session only). Returns whether it did."""
    if not sys.stdin.isatty():
        return False
    try:
        import readline  # noqa: F401  (importing it is what hooks it into input())
    except ImportError:  # not built on this platform (Windows): plain input() still works
        return False
    return True


@contextmanager
def quiet_logs(verbose: bool) -> Iterator[None]:
    """Without --verbose, no INFO log lines (the `chat.turn` JSON line, the HTTP client's
    request lines) between the user's message and the reply; warnings still show."""
    if verbose:
        yield
        return
    previous = logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(previous)


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="Username to chat as.")
        parser.add_argument("--conversation", help="Continue this conversation id instead of starting a new one.")
        parser.add_argument(
            "--verbose", action="store_true", help="Show each tool call (one line each) and the log lines."
        )

    def resume_hint(self, user: User, conversation_id: uuid.UUID) -> str:
        """The Makefile's target, as the README tells people to start the chat (it sets up the
        environment the bare `manage.py` call would lack)."""
        command = f"make chat CHAT_USER={shlex.quote(user.username)} CONVERSATION={conversation_id}"
        return f"Conversation {conversation_id}. To continue it: {command}"

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["user"])
        except User.DoesNotExist:
            raise CommandError(f"No user named {options['user']!r}.") from None
        try:
            conversation_id = uuid.UUID(options["conversation"]) if options.get("conversation") else None
        except ValueError:
            raise CommandError("--conversation must be a conversation id (a UUID).") from None
        if conversation_id is not None:
            try:
                get_conversation(owner=user, conversation_id=conversation_id)
            except ConversationNotFound:
                raise CommandError(f"Conversation {conversation_id} not found for {user.username}.") from None
        enable_line_editing()
        self.stdout.write(f"Chatting as {user.username} with the {backend_name()} agent. Empty line or Ctrl-D quits.")
        if conversation_id is not None:
            self.stdout.write(self.resume_hint(user, conversation_id))
        with quiet_logs(options["verbose"]):
            conversation_id = self.converse(user, conversation_id, verbose=options["verbose"])
        if conversation_id is not None:
            self.stdout.write(self.resume_hint(user, conversation_id))

    def converse(self, user: User, conversation_id: uuid.UUID | None, *, verbose: bool) -> uuid.UUID | None:
        """Read messages until an empty line or end of input; returns the conversation's id."""
        while True:
            try:
                message = input("you> ").strip()
            except (EOFError, KeyboardInterrupt):
                self.stdout.write("")
                return conversation_id
            if not message:
                return conversation_id
            started_new = conversation_id is None
            try:
                conversation_id = async_to_sync(self.tell_turn)(user, message[:2000], conversation_id, verbose=verbose)
            except ModelError as error:
                self.stderr.write(f"error: {error.detail}")
                conversation_id = error.conversation_id or conversation_id
                continue
            except DeclaredError as error:
                self.stderr.write(f"error: {error.detail}")
                continue
            if started_new and conversation_id is not None:
                self.stdout.write(self.style.HTTP_INFO(self.resume_hint(user, conversation_id)))

    async def tell_turn(
        self, user: User, message: str, conversation_id: uuid.UUID | None, *, verbose: bool
    ) -> uuid.UUID | None:
        """Run one turn, printing the reply as it streams (and, with --verbose, each tool call
        as it finishes); returns the conversation's id."""
        replying = False
        arguments: dict[str, ToolArguments] = {}  # each tool call's, from its start to its end
        async for event in turn_events(owner=user, message=message, conversation_id=conversation_id):
            if isinstance(event, TurnStarted):
                conversation_id = event.conversation_id
            elif isinstance(event, TextDelta):
                if not replying:
                    self.stdout.write("assistant> ", ending="")
                    replying = True
                self.stdout.write(event.text, ending="")
                self.stdout.flush()
            elif isinstance(event, ToolCallFinished) and verbose:
                run = ToolRun(event.tool_name, arguments.pop(event.call_id, {}), event.result)
                self.stdout.write(self.style.HTTP_INFO(f"  {describe_run(run)}"))
            elif isinstance(event, ToolCallStarted):
                arguments[event.call_id] = event.arguments
        self.stdout.write("" if replying else "assistant> ")
        return conversation_id
