"""The chat agent: one tool-calling loop over one seam, a model client.

`model.ModelClient` is the seam: given the messages so far (OpenAI chat format) and the
tool schemas, it returns one `AssistantMessage`, possibly with tool calls. `OpenAIModel`
and `OfflineModel` both implement it; `runner.run_agent` is the loop; `tools` binds the
todo operations to the requesting user. Nothing here knows about HTTP or persistence.
"""
