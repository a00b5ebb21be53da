"""The names of the tools the agent calls, taken from the tool functions themselves (the
registry names each tool after its function), so a renamed tool cannot leave a stale name."""

from chat.agent import tools
from chat.agent.messages import ToolArguments
from chat.agent.tools import TOOLS

ADD = tools.add_task.__name__
LIST = tools.list_tasks.__name__
COMPLETE = tools.complete_task.__name__
REOPEN = tools.reopen_task.__name__
DELETE = tools.delete_task.__name__
UPDATE = tools.update_task.__name__
UNDO = tools.undo_last_turn.__name__

if not {ADD, LIST, COMPLETE, REOPEN, DELETE, UPDATE, UNDO} <= set(TOOLS.names):
    raise ImportError("A tool the offline agent calls is not registered.")

# How the ids of the agent's own tool calls start (the rest is random).
CALL_PREFIX = "offline_"

# A call the agent will make: the tool's name and its arguments.
ToolCallSpec = tuple[str, ToolArguments]
