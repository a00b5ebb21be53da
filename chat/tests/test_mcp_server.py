"""`/mcp` on a live server (uvicorn serving `config.asgi`), used with the official MCP client
over Streamable HTTP: the tools as listed, each change seen through the REST API, failures as
`isError`, authentication, other users' tasks out of reach, and undo of the last MCP change."""

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # a dependency of drf-spectacular and mcp
import jwt
import pytest
from mcp.shared.exceptions import MCPError

from chat.agent.tools import TOOLS
from chat.tests.mcp_client import (
    Account,
    call,
    http,
    new_access_token,
    server_database,
    sign_up,
    spawn,
    with_mcp,
)

pytestmark = pytest.mark.django_db(transaction=True)

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}},
}


@pytest.fixture(scope="module")
def directory(tmp_path_factory) -> Path:
    return Path(tmp_path_factory.mktemp("mcp"))


@pytest.fixture(scope="module")
def database(django_db_setup, django_db_blocker, directory) -> str:
    with django_db_blocker.unblock():
        return server_database(directory)


@pytest.fixture(scope="module")
def server(directory, database) -> Iterator[str]:
    yield from spawn(directory, database)


@pytest.fixture
def account(server) -> Account:
    return sign_up(server)


@pytest.fixture
def token(server, account) -> str:
    return str(new_access_token(server, account)["token"])


def rest_task(server: str, account: Account, number: int) -> tuple[int, Any]:
    status, _, body = http(server, "GET", f"/api/{account.id}/tasks/{number}", token=account.jwt)
    return status, body


def test_lists_the_chat_tools_with_their_mcp_metadata(server, token) -> None:
    tools = with_mcp(server, token, lambda session: session.list_tools()).tools

    by_name = {tool.name: tool for tool in tools}
    assert set(by_name) == set(TOOLS.names)
    for tool in tools:
        assert tool.title and tool.description and tool.annotations is not None
        assert tool.annotations.destructive_hint is (tool.name in ("delete_task", "delete_tasks"))
        assert tool.output_schema is not None and "success" in tool.output_schema["properties"]
        assert not {"user", "user_id", "owner"} & set(tool.input_schema["properties"])
    listing, adding = by_name["list_tasks"], by_name["add_task"]
    assert listing.annotations is not None and listing.annotations.read_only_hint is True
    assert adding.annotations is not None and adding.annotations.read_only_hint is False
    assert adding.input_schema["required"] == ["title"]
    assert listing.output_schema is not None and "tasks" in listing.output_schema["properties"]


def test_every_change_over_mcp_is_seen_through_the_rest_api(server, account, token) -> None:
    tools = {tool.name: tool for tool in with_mcp(server, token, lambda session: session.list_tools()).tools}
    added = call(server, token, "add_task", {"title": "Buy milk", "description": "2 litres"})
    assert added.is_error is False
    number = added.structured_content["task"]["id"]
    assert rest_task(server, account, number)[1]["title"] == "Buy milk"

    listed = call(server, token, "list_tasks", {})
    assert [task["id"] for task in listed.structured_content["tasks"]] == [number]

    call(server, token, "complete_task", {"task_id": number})
    assert rest_task(server, account, number)[1]["completed"] is True

    call(server, token, "update_task", {"task_id": number, "title": "Buy oat milk"})
    assert rest_task(server, account, number)[1]["title"] == "Buy oat milk"

    deleted = call(server, token, "delete_task", {"task_id": number})
    assert deleted.is_error is False
    assert rest_task(server, account, number)[0] == 404
    missing = call(server, token, "delete_task", {"task_id": number})
    for name, result in [
        ("add_task", added),
        ("list_tasks", listed),
        ("delete_task", deleted),
        ("delete_task", missing),
    ]:
        jsonschema.validate(result.structured_content, tools[name].output_schema)


def test_a_failed_call_is_an_error_result_with_its_code(server, token) -> None:
    result = call(server, token, "complete_task", {"task_id": 4242})

    assert result.is_error is True
    assert result.structured_content["code"] == "task_not_found"
    assert result.structured_content["task_id"] == 4242


def test_each_call_is_recorded_in_the_callers_mcp_conversation(server, account, token) -> None:
    call(server, token, "add_task", {"title": "Water the plants"})

    _, _, conversations = http(server, "GET", f"/api/{account.id}/conversations", token=account.jwt)
    [conversation] = conversations["results"]
    assert conversation["title"] == "MCP"
    path = f"/api/{account.id}/conversations/{conversation['id']}/messages"
    _, _, messages = http(server, "GET", path, token=account.jwt)
    roles = [message["role"] for message in messages["results"]]
    assert roles == ["user", "assistant", "tool"]
    assert "laptop" in messages["results"][0]["content"]
    assert messages["results"][1]["tool_calls"][0]["function"]["name"] == "add_task"


def test_undo_over_mcp_undoes_the_last_mcp_change(server, account, token) -> None:
    number = call(server, token, "add_task", {"title": "Call mum"}).structured_content["task"]["id"]
    call(server, token, "complete_task", {"task_id": number})

    undone = call(server, token, "undo_last_turn", {})
    assert undone.is_error is False
    assert [item["action"] for item in undone.structured_content["undone"]] == ["complete"]
    assert rest_task(server, account, number)[1]["completed"] is False

    call(server, token, "undo_last_turn", {})
    assert rest_task(server, account, number)[0] == 404


def test_another_users_tasks_are_out_of_reach_whatever_the_arguments(server, token) -> None:
    other = sign_up(server)
    status, _, task = http(server, "POST", f"/api/{other.id}/tasks", {"title": "Private"}, token=other.jwt)
    assert status == 201
    reach = {"user": other.id, "user_id": other.id, "owner": other.id, "owner_id": other.id}

    listed = call(server, token, "list_tasks", reach)
    deleted = call(server, token, "delete_task", {"task_id": task["id"], **reach})
    updated = call(server, token, "update_task", {"task_id": task["id"], "title": "Mine now", **reach})

    assert listed.structured_content["tasks"] == []
    assert deleted.is_error is True and updated.is_error is True
    assert rest_task(server, other, task["id"])[1]["title"] == "Private"


def test_a_jwt_of_this_service_is_accepted(server, account) -> None:
    result = call(server, account.jwt, "add_task", {"title": "Signed in"})

    assert result.is_error is False


def unauthorized(server: str, token: str | None) -> tuple[int, dict[str, str], Any]:
    return http(server, "POST", "/mcp", INITIALIZE, token=token)


def test_no_token_is_401_with_a_bearer_challenge(server) -> None:
    status, headers, body = unauthorized(server, None)

    assert status == 401
    assert headers["www-authenticate"].startswith("Bearer")
    assert body["code"] == "not_authenticated"


def test_a_revoked_token_is_401(server, account) -> None:
    made = new_access_token(server, account, name="old laptop")
    assert unauthorized(server, made["token"])[0] == 200
    status, _, _ = http(server, "DELETE", f"/api/auth/tokens/{made['id']}", token=account.jwt)
    assert status == 204

    status, headers, body = unauthorized(server, made["token"])

    assert status == 401
    assert headers["www-authenticate"].startswith("Bearer")
    assert body["code"] == "token_not_valid"


def test_a_jwt_signed_by_another_service_is_401(server, account) -> None:
    now = int(time.time())
    claims = {"token_type": "access", "user_id": account.id, "jti": uuid.uuid4().hex, "iat": now, "exp": now + 300}
    foreign = jwt.encode(claims, "another-services-signing-key-0123456789", algorithm="HS256")

    status, headers, body = unauthorized(server, foreign)

    assert status == 401
    assert headers["www-authenticate"].startswith("Bearer")
    assert body["code"] == "token_not_valid"


def test_a_foreign_origin_is_refused(server, token) -> None:
    status, _, _ = http(server, "POST", "/mcp", INITIALIZE, token=token, headers={"Origin": "http://evil.example"})

    assert status == 403


def test_a_host_not_allowed_is_refused(server, token) -> None:
    status, _, _ = http(server, "POST", "/mcp", INITIALIZE, token=token, headers={"Host": "rebound.example"})

    assert status == 421


def test_a_malformed_request_is_a_json_rpc_error(server, token) -> None:
    status, _, body = http(server, "POST", "/mcp", {"jsonrpc": "2.0", "id": 7, "method": 3}, token=token)

    assert status < 500
    assert body["jsonrpc"] == "2.0" and "error" in body


def test_calls_are_throttled_like_the_chat(directory, database) -> None:
    for base_url in spawn(directory, database, CHAT_THROTTLE_RATE="2/min"):
        account = sign_up(base_url)
        token = new_access_token(base_url, account)["token"]

        async def three_calls(session: Any) -> Any:
            await session.call_tool("list_tasks", {})
            await session.call_tool("list_tasks", {})
            try:
                await session.call_tool("list_tasks", {})
            except MCPError as error:
                return error.data
            return None

        assert with_mcp(base_url, token, three_calls)["code"] == "throttled"


@pytest.mark.postgresql
def test_gunicorn_serves_mcp(directory, database) -> None:
    for base_url in spawn(directory, database, gunicorn=True):
        account = sign_up(base_url)
        token = new_access_token(base_url, account)["token"]

        result = call(base_url, token, "add_task", {"title": "Served by gunicorn"})

        assert result.is_error is False
        assert rest_task(base_url, account, result.structured_content["task"]["id"])[0] == 200
