"""The offline agent's intents, each declared once: here.

A declaration says what a request of its kind is: the tool it calls, whether it aims at a task
the user names (`targeted`), changes tasks (`mutating`), always needs the user's task list
(`lookup`) or only names a task (`naming`), how it plans its calls (`act`) and how its tool's
result is said (`replies`). Understanding, acting and replying iterate these declarations, and
every set of kinds is derived from them. Adding an intent means one declaration below, its
reader (`readers`) and its words (`lexicon`), and its tests.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chat.agent.messages import ToolResult
from chat.agent.offline import act, replies
from chat.agent.offline.act import Situation, Step
from chat.agent.offline.requests import Request, RequestKind
from chat.agent.offline.tool_names import ADD, COMPLETE, DELETE, LIST, REOPEN, UNDO, UPDATE

Planner = Callable[[Request, Situation, str], Step]
ResultReply = Callable[[dict[str, Any], ToolResult], str]


@dataclass(frozen=True)
class Intent:
    kind: RequestKind
    plan: Planner
    tool: str = ""  # the tool its calls use ("": it calls none)
    reply: ResultReply | None = None  # how a success of `tool` is said
    targeted: bool = False  # aims at a task the user names: answers "which one?", takes "it" from a clause before
    mutating: bool = False
    lookup: bool = False  # always reads the user's task list first
    naming: bool = False  # names a task another clause of the message may act on
    without_tool: str = ""  # when its tool is not on offer: the `replies.unsupported` topic said instead


INTENTS: dict[RequestKind, Intent] = {
    intent.kind: intent
    for intent in (
        Intent("add", act.plan_add, ADD, replies.added, mutating=True),
        Intent("complete", act.plan_targeted, COMPLETE, replies.completed, targeted=True, mutating=True),
        Intent("delete", act.plan_targeted, DELETE, replies.deleted, targeted=True, mutating=True),
        Intent("update", act.plan_targeted, UPDATE, replies.updated, targeted=True, mutating=True),
        Intent(
            "reopen", act.plan_on_target, REOPEN, replies.reopened, targeted=True, mutating=True, without_tool="reopen"
        ),
        Intent("undo", act.plan_call, UNDO, replies.undone, mutating=True, without_tool="undo"),
        Intent(
            "story",
            act.plan_story,
            COMPLETE,
            replies.completed,
            targeted=True,
            mutating=True,
            lookup=True,
            naming=True,
        ),
        Intent("not_done", act.plan_not_done, lookup=True, naming=True),
        Intent("show", act.plan_show, LIST, replies.listed),
        Intent("show_more", act.plan_more, LIST, replies.listed),
        Intent("count", act.plan_count, lookup=True),
        Intent("ask_status", act.plan_question, targeted=True, lookup=True),
        Intent("ask_number", act.plan_question, targeted=True, lookup=True),
        Intent("ask_task", act.plan_question, targeted=True, lookup=True),
        Intent("ask_note", act.plan_question, targeted=True, lookup=True),
        Intent("target", act.plan_target, naming=True),
        Intent("unsupported", act.plan_unsupported),
        Intent("refuse", act.plan_refusal),
        Intent("chat", act.plan_chat),
    )
}

TARGETED = frozenset(kind for kind, intent in INTENTS.items() if intent.targeted)
MUTATING = frozenset(kind for kind, intent in INTENTS.items() if intent.mutating)
LOOKUP = frozenset(kind for kind, intent in INTENTS.items() if intent.lookup)
NAMING = frozenset(kind for kind, intent in INTENTS.items() if intent.naming)
RESULT_REPLIES: dict[str, ResultReply] = {
    intent.tool: intent.reply for intent in INTENTS.values() if intent.reply is not None
}


def mutates(request: Request) -> bool:
    return request.kind in MUTATING


def needs_task_list(request: Request) -> bool:
    """Whether planning `request` takes the user's task list (not only the conversation)."""
    if request.kind in LOOKUP or request.replace is not None:
        return True
    return request.kind in TARGETED and request.target.needs_task_list


def plan_steps(requests: list[Request], situation: Situation) -> list[Step]:
    """The steps for `requests`, each planned as its intent declares."""
    steps = [_step(request, situation) for request in requests]
    if len(steps) > 1:
        # A story that names no known task, said beside a clear request, is only chatter.
        steps = [step for step in steps if not step.silent_alone] or steps[:1]
    return steps


def _step(request: Request, situation: Situation) -> Step:
    intent = INTENTS[request.kind]
    if intent.without_tool and intent.tool not in situation.tools:
        return Step(request, answer=replies.unsupported(intent.without_tool))
    return intent.plan(request, situation, intent.tool)


def result_line(name: str, arguments: dict[str, Any], result: ToolResult) -> str:
    """One sentence for one tool result."""
    failure = replies.failure(arguments, result)
    if failure is not None:
        return failure
    say = RESULT_REPLIES.get(name, replies.updated)
    return say(arguments, result)
