"""The chat agent's tools over MCP (Streamable HTTP, stateless) at `/mcp`.

- `chat.mcp.tools`: the MCP server: the tools, listed from `chat.agent.tools.TOOLS` with their
  MCP metadata (title, hints, output schema), and `tools/call`.
- `chat.mcp.records`: each call recorded as a turn of the caller's MCP conversation.
- `chat.mcp.serving`: the ASGI side: bearer authentication in front of the SDK's app, `/mcp`
  beside Django, and the SDK's session manager run in the lifespan.
"""
