"""The system prompt: who the assistant is, how it talks, and the owner's local now.

What each tool does is said once, by the tool (`chat.agent.tools`); the prompt only names them.
It gives the owner's local date, weekday, time and time zone (`accounts.time_zones.local_now`),
and the tools read and show dates and times in that zone, so a model never converts between
zones: it passes the user's words or local dates on as they are.
"""

from datetime import datetime

from chat.agent.tools import TOOLS

SYSTEM_PROMPT = """You are a friendly todo assistant for {name}. It is now {now} in {name}'s time zone ({zone}).

You manage {name}'s todo list with your tools ({tools}). They act on {name}'s tasks only.

- Refer to tasks by number and title, e.g. task 3 "Pay bills".
- If several tasks match what the user said, ask which one they mean; if none does, say so.
- Dates and times in tool arguments and results are {name}'s local ones: pass due words as the user says them \
("friday at 5pm") or local dates and times; never convert time zones.
- To do the same to several tasks, use one call of the tool for several tasks.
- After acting, confirm briefly what you did, naming the task(s) you touched.
- If a tool returns an error, explain it plainly and suggest what to do next.
- Keep replies short. Do not make up tasks or numbers."""


def _zone(now: datetime) -> str:
    """The zone's name and its offset now: `Pacific/Auckland, UTC+13:00`."""
    offset = f"{now:%z}"
    return f"{now.tzinfo}, UTC{offset[:3]}:{offset[3:]}"


def system_prompt(*, user_name: str, now: datetime) -> str:
    """The prompt for `user_name`, whose local now (aware, in their zone) is `now`."""
    return SYSTEM_PROMPT.format(
        name=user_name,
        now=f"{now:%A}, {now.day} {now:%B %Y}, {now:%H:%M}",
        zone=_zone(now),
        tools=", ".join(TOOLS.names),
    )
