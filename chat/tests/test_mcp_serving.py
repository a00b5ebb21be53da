"""`/mcp`'s Host and Origin rules, derived from `ALLOWED_HOSTS` (the live checks are in
`test_mcp_server.py`)."""

from pytest_django import Settings

from chat.mcp.serving import transport_security


def test_hosts_and_origins_follow_allowed_hosts_on_any_port(settings: Settings) -> None:
    settings.DEBUG, settings.ALLOWED_HOSTS = False, ["todo.example.com"]

    security = transport_security()

    assert security.enable_dns_rebinding_protection
    assert set(security.allowed_hosts) == {"todo.example.com", "todo.example.com:*"}
    assert "https://todo.example.com" in security.allowed_origins
    assert "http://todo.example.com:*" in security.allowed_origins
    assert not any("localhost" in host for host in security.allowed_hosts)


def test_debug_allows_localhost_on_any_port(settings: Settings) -> None:
    settings.DEBUG, settings.ALLOWED_HOSTS = True, []

    security = transport_security()

    assert {"localhost:*", "127.0.0.1:*", "[::1]:*"} <= set(security.allowed_hosts)
    assert "http://localhost:*" in security.allowed_origins


def test_any_host_allowed_turns_the_check_off(settings: Settings) -> None:
    settings.ALLOWED_HOSTS = ["*"]

    assert not transport_security().enable_dns_rebinding_protection
