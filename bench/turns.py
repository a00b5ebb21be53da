"""In-process chat-turn benchmarks against one database (figures 1 to 3 of `make bench`).

Run by `bench/run.py` with DATABASE_URL set; prints one JSON object. Uses the Django test
client (the full request path: URL routing, JWT auth, serializers, the turn, persistence).
"""

import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdef")
os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
os.environ["CHAT_THROTTLE_RATE"] = ""
os.environ["LOG_LEVEL"] = "WARNING"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from accounts.models import User  # noqa: E402
from chat.agent.messages import AssistantMessage, TaskPage, ToolCall, ToolMessage, UserMessage  # noqa: E402
from chat.persistence import save_turn  # noqa: E402
from chat.tests.scripted_openai import ScriptedOpenAI, Step, reply  # noqa: E402

TURN_SAMPLES = 200


def client_for(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")


def new_user(name: str) -> User:
    return User.objects.create_user(username=f"{name}-{time.monotonic_ns()}", password=None, name=name)


def post_turn(client: Client, user: User, message: str, conversation_id: str | None = None) -> dict:
    body = {"message": message} | ({"conversation_id": conversation_id} if conversation_id else {})
    response = client.post(f"/api/{user.pk}/chat", body, content_type="application/json")
    if response.status_code != 200:
        raise RuntimeError(f"chat turn failed: {response.status_code} {response.content[:500]!r}")
    answer: dict = response.json()
    return answer


def filled_conversation(client: Client, user: User, earlier_turns: int) -> str:
    """A conversation with `earlier_turns` stored turns of 4 messages (with a tool call each)."""
    conversation_id: str = post_turn(client, user, "add a task to start")["conversation_id"]
    for turn in range(earlier_turns - 1):
        call = ToolCall.of(id=f"call_{turn}", name="list_tasks", arguments={})
        save_turn(
            conversation_id=uuid.UUID(conversation_id),
            messages=[
                UserMessage(f"show my tasks {turn}"),
                AssistantMessage(tool_calls=(call,)),
                ToolMessage(call.id, call.name, TaskPage(tasks=())),
                AssistantMessage(content="You have 1 task."),
            ],
        )
    return conversation_id


def queries_per_turn() -> dict[str, int]:
    """Figure 1: SQL queries of one offline "add a task" turn, by conversation length."""
    settings.AGENT_BACKEND = "offline"
    user = new_user("queries")
    client = client_for(user)
    post_turn(client, user, "hello")  # warm up: imports, first connection
    counts = {}
    with CaptureQueriesContext(connection) as fresh:
        post_turn(client, user, "add a task to buy groceries")
    counts["fresh"] = len(fresh)
    for earlier in (100, 500):
        conversation_id = filled_conversation(client, user, earlier)
        with CaptureQueriesContext(connection) as captured:
            post_turn(client, user, "add a task to buy groceries", conversation_id)
        counts[f"after_{earlier}"] = len(captured)
    return counts


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def server_time_per_turn(backend: str, model_server: ScriptedOpenAI) -> dict[str, float]:
    """Figure 2: milliseconds per turn through the test client, the model's time excluded.

    For the OpenAI backend the model's time is what the zero-latency scripted server spends
    answering; the SDK's work and the loopback round trip count as server time. The offline
    agent's parser is counted as server time."""
    settings.AGENT_BACKEND = backend
    user = new_user(f"timing-{backend}")
    client = client_for(user)
    conversation_id = post_turn(client, user, "add a task to warm up")["conversation_id"]
    for _ in range(10):
        post_turn(client, user, "add a task to warm up", conversation_id)
    samples = []
    for turn in range(TURN_SAMPLES):
        message = f"add a task to water plant {turn}"
        model_before = model_server.busy_seconds
        started = time.perf_counter()
        post_turn(client, user, message, conversation_id)
        elapsed = time.perf_counter() - started - (model_server.busy_seconds - model_before)
        samples.append(elapsed * 1000)
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
    }


def prompt_size_by_turn(server: ScriptedOpenAI) -> dict[str, dict[str, int]]:
    """Figure 3: what the model is sent at turns 1, 50 and 200 of one conversation (its
    estimated tokens, tools included, as the budget counts them)."""
    settings.AGENT_BACKEND = "openai"
    user = new_user("prompt")
    client = client_for(user)
    conversation_id = None
    sizes = {}
    for turn in range(1, 201):
        before = len(server.requests)
        conversation_id = post_turn(client, user, f"add a task to item {turn}", conversation_id)["conversation_id"]
        if turn in (1, 50, 200):
            request = server.requests[before]
            sizes[f"turn_{turn}"] = {
                "messages": len(request["messages"]),
                "chars": len(json.dumps(request["messages"])),
                "tokens": wire_prompt_tokens(request),
            }
    return sizes


def wire_prompt_tokens(request: dict) -> int:
    """The estimated tokens of a request as the provider got it, read back into the typed
    messages and tool schemas the budget counts (`chat.context_window.prompt_tokens`)."""
    from chat.agent.messages import ToolSchema
    from chat.context_window import prompt_tokens
    from chat.selectors import as_chat_message

    messages = [as_chat_message(message) for message in request["messages"]]
    tools = [
        ToolSchema(
            name=tool["function"]["name"],
            description=tool["function"]["description"],
            parameters=tool["function"]["parameters"],
        )
        for tool in request.get("tools") or []
    ]
    return prompt_tokens(messages, tools)


def tool_then_reply(request: dict) -> Step:
    """Scripted model: a user message gets an add_task call, a tool result gets a reply."""
    from chat.tests.scripted_openai import tool_calls

    last = request["messages"][-1]
    if last["role"] == "user":
        return tool_calls(("add_task", {"title": last["content"][-60:], "description": None}))
    return reply("Done.")


def main() -> None:
    call_command("migrate", verbosity=0)
    if "--queries" in sys.argv:  # figure 1 alone: cheap enough to run on a busy machine
        print(json.dumps({"database": connection.vendor, "queries": queries_per_turn()}))
        return
    server = ScriptedOpenAI(fallback=tool_then_reply).start()
    settings.OPENAI_API_KEY = "sk-benchmark"
    settings.OPENAI_BASE_URL = server.base_url
    settings.OPENAI_MAX_RETRIES = 0
    try:
        results = {
            "database": connection.vendor,
            "queries": queries_per_turn(),
            "server_time": {
                "offline": server_time_per_turn("offline", server),
                "openai": server_time_per_turn("openai", server),
            },
            "prompt_size": prompt_size_by_turn(server),
            "context_tokens": settings.CHAT_CONTEXT_TOKENS,
        }
    finally:
        server.stop()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
