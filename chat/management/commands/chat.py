import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from chat.agent.clients import backend_name
from chat.agent.model import ModelError
from chat.selectors import ConversationNotFound, get_conversation
from chat.turns import run_turn
from config.errors import DomainError


class Command(BaseCommand):
    help = "Chat with the todo assistant in the terminal, as a given user (uses the configured agent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="Username to chat as.")
        parser.add_argument("--conversation", help="Continue this conversation id instead of starting a new one.")

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
        self.stdout.write(f"Chatting as {user.username} with the {backend_name()} agent. Empty line or Ctrl-D quits.")
        while True:
            try:
                message = input("you> ").strip()
            except (EOFError, KeyboardInterrupt):
                self.stdout.write("")
                return
            if not message:
                return
            try:
                turn = run_turn(owner=user, message=message[:2000], conversation_id=conversation_id)
            except ModelError as error:
                self.stderr.write(f"error: {error.detail}")
                conversation_id = error.conversation_id or conversation_id
                continue
            except DomainError as error:
                self.stderr.write(f"error: {error.detail}")
                continue
            conversation_id = turn.conversation_id
            for call in turn.tool_calls:
                self.stdout.write(self.style.HTTP_INFO(f"  [{call['tool_name']}] {call['result']}"))
            self.stdout.write(f"assistant> {turn.reply}")
