"""`/mcp` in the ASGI application: the SDK's Streamable HTTP app, stateless (any worker answers
any request: nothing of a client's session is kept in a process), behind our authentication.

- `Authenticated` answers 401 with a Bearer challenge unless the request carries
  `Authorization: Bearer <token>`, a JWT access token of this service or a personal access
  token (`accounts.access_tokens`); the token is checked off the event loop
  (`config.database.in_database`), and the `Caller` goes into the request's scope.
- The SDK checks Host and Origin against `ALLOWED_HOSTS` (DNS rebinding protection).
- `WithMcp` sends `/mcp` to that app and everything else to Django, and in the ASGI lifespan
  runs the SDK's session manager around the application's own lifespan.
"""

import json
from collections.abc import Mapping
from contextlib import AsyncExitStack
from typing import Any, cast

from django.conf import settings
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from rest_framework.exceptions import AuthenticationFailed

from accounts.access_tokens import InvalidAccessToken, authenticate_access_token, looks_like_access_token
from accounts.authentication import JWTAuthentication
from accounts.models import User
from chat.mcp.tools import CALLER_SCOPE_KEY, Caller, mcp_server
from config.database import in_database
from config.lifespan import Application, Receive, Scope, Send

PATH = "/mcp"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


class NotAuthenticated(Exception):
    def __init__(self, detail: str, code: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


def caller_for(authorization: str) -> Caller:
    """The caller an `Authorization` header names, or `NotAuthenticated` (in the database's thread)."""
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        raise NotAuthenticated("Authentication credentials were not provided.", "not_authenticated")
    if looks_like_access_token(value):
        try:
            token = authenticate_access_token(value)
        except InvalidAccessToken:
            raise NotAuthenticated("The access token is not valid.", "token_not_valid") from None
        return Caller(user=token.user, source=f"access token “{token.name}”")
    jwt = JWTAuthentication()  # read as the REST API reads it: the same checks, the same codes
    try:
        user = jwt.get_user(jwt.get_validated_token(value.encode()))
    except AuthenticationFailed as error:
        codes = error.get_codes()
        code = codes.get("code", "token_not_valid") if isinstance(codes, dict) else str(codes)
        raise NotAuthenticated("The token is not valid.", str(code)) from None
    return Caller(user=cast(User, user), source="a signed-in session")


async def _refuse(send: Send, error: NotAuthenticated) -> None:
    challenge = 'Bearer realm="mcp"'
    if error.code != "not_authenticated":
        challenge += ', error="invalid_token"'
    body = json.dumps({"detail": error.detail, "code": error.code}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", challenge.encode()),
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Authenticated:
    """Lets through only requests with a valid bearer token, their `Caller` in the scope."""

    def __init__(self, application: Application) -> None:
        self.application = application

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers: Mapping[bytes, bytes] = dict(scope.get("headers") or [])
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        try:
            caller = await in_database(caller_for, authorization)
        except NotAuthenticated as error:
            await _refuse(send, error)
            return
        await self.application({**scope, CALLER_SCOPE_KEY: caller}, receive, send)


def transport_security() -> TransportSecuritySettings:
    """Host and Origin allowed as Django allows hosts (any port), localhost's with DEBUG too.
    `*` in ALLOWED_HOSTS allows any host, so the check is off; a `.example.com` entry allows
    `example.com` itself here, not its subdomains."""
    hosts = [host.lstrip(".") for host in settings.ALLOWED_HOSTS]
    if "*" in hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    if settings.DEBUG:
        hosts += [host for host in LOCAL_HOSTS if host not in hosts]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[pattern for host in hosts for pattern in (host, f"{host}:*")],
        allowed_origins=[
            pattern
            for host in hosts
            for scheme in ("http", "https")
            for pattern in (f"{scheme}://{host}", f"{scheme}://{host}:*")
        ],
    )


class WithMcp:
    """The ASGI application: `/mcp` to the MCP app, the rest to `application` (Django)."""

    def __init__(self, application: Application) -> None:
        self.application = application
        self.sessions = StreamableHTTPSessionManager(
            app=mcp_server(),
            json_response=True,
            stateless=True,
            security_settings=transport_security(),
            max_request_body_size=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        )
        self.mcp = Authenticated(cast(Application, self.sessions.handle_request))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
        elif scope["type"] == "http" and scope["path"].rstrip("/") == PATH:
            await self.mcp(scope, receive, send)
        else:
            await self.application(scope, receive, send)

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The session manager runs around the application's own lifespan: started before it
        reports startup, stopped after its shutdown work, before shutdown is reported."""
        shutdown: dict[str, Any] | None = None

        async def hold_shutdown(message: Mapping[str, Any]) -> None:
            nonlocal shutdown
            if message["type"].startswith("lifespan.shutdown."):
                shutdown = dict(message)
                return
            await send(message)

        async with AsyncExitStack() as stack:
            await stack.enter_async_context(self.sessions.run())
            await self.application(scope, receive, hold_shutdown)
        if shutdown is not None:
            await send(shutdown)
