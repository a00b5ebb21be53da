"""The offline agent's intents, each declared once: here.

A declaration says what a request of its kind is: how it is read when no reader of a family of
phrasings (`understand.FAMILY_READERS`: commands, questions, stories...) covers it (`reader`),
the tool it calls, whether it aims at a task the user names (`targeted`), changes tasks
(`mutating`), always needs the user's task list (`lookup`) or only names a task (`naming`), how
it plans its calls (`act`) and how its tool's result is said (`replies`). Understanding, acting
and replying iterate these declarations, and every set of kinds is derived from them.

Adding an intent means its kind in `requests.RequestKind`, one declaration below (with its
reader, planner and reply), its words in `lexicon`, and its tests.
"""

from collections.abc import Callable
from dataclasses import dataclass

from chat.agent.messages import ToolArguments, ToolResult
from chat.agent.offline import act, replies
from chat.agent.offline.act import Situation, Step
from chat.agent.offline.readers_chat import read_chat, read_list_alone, read_more, read_target_only
from chat.agent.offline.readers_planning import read_agenda, read_planned_add, read_reschedule
from chat.agent.offline.reading import Clause, Reading
from chat.agent.offline.requests import Request, RequestKind
from chat.agent.offline.tool_names import ADD, COMPLETE, DELETE, LIST, REOPEN, UNDO, UPDATE

Planner = Callable[[Request, Situation, str], Step]
Reader = Callable[[Clause, bool], Reading | None]
ResultReply = Callable[[ToolArguments, ToolResult], str]


@dataclass(frozen=True)
class Intent:
    kind: RequestKind
    plan: Planner
    reader: Reader | None = None  # its own reader, read after the family readers (in declaration order)
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
        Intent("add", act.plan_add, read_planned_add, tool=ADD, reply=replies.added, mutating=True),
        Intent(
            "reschedule",
            act.plan_reschedule,
            read_reschedule,
            tool=UPDATE,
            reply=replies.updated,
            targeted=True,
            mutating=True,
            lookup=True,
        ),
        Intent("agenda", act.plan_agenda, read_agenda, tool=LIST, reply=replies.listed),
        Intent("complete", act.plan_targeted, tool=COMPLETE, reply=replies.completed, targeted=True, mutating=True),
        Intent("delete", act.plan_targeted, tool=DELETE, reply=replies.deleted, targeted=True, mutating=True),
        Intent("update", act.plan_targeted, tool=UPDATE, reply=replies.updated, targeted=True, mutating=True),
        Intent(
            "reopen",
            act.plan_on_target,
            tool=REOPEN,
            reply=replies.reopened,
            targeted=True,
            mutating=True,
            without_tool="reopen",
        ),
        Intent("undo", act.plan_call, tool=UNDO, reply=replies.undone, mutating=True, without_tool="undo"),
        Intent(
            "story",
            act.plan_story,
            tool=COMPLETE,
            reply=replies.completed,
            targeted=True,
            mutating=True,
            lookup=True,
            naming=True,
        ),
        Intent("not_done", act.plan_not_done, lookup=True, naming=True),
        Intent("show", act.plan_show, read_list_alone, tool=LIST, reply=replies.listed),
        Intent("show_more", act.plan_more, read_more, tool=LIST, reply=replies.listed),
        Intent("count", act.plan_count, lookup=True),
        Intent("ask_status", act.plan_question, targeted=True, lookup=True),
        Intent("ask_number", act.plan_question, targeted=True, lookup=True),
        Intent("ask_task", act.plan_question, targeted=True, lookup=True),
        Intent("ask_note", act.plan_question, targeted=True, lookup=True),
        Intent("target", act.plan_target, read_target_only, naming=True),
        Intent("unsupported", act.plan_unsupported),
        Intent("refuse", act.plan_refusal),
        Intent("chat", act.plan_chat, read_chat),
    )
}

TARGETED = frozenset(kind for kind, intent in INTENTS.items() if intent.targeted)
MUTATING = frozenset(kind for kind, intent in INTENTS.items() if intent.mutating)
LOOKUP = frozenset(kind for kind, intent in INTENTS.items() if intent.lookup)
NAMING = frozenset(kind for kind, intent in INTENTS.items() if intent.naming)
READERS: tuple[Reader, ...] = tuple(intent.reader for intent in INTENTS.values() if intent.reader is not None)
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


def result_line(name: str, arguments: ToolArguments, result: ToolResult) -> str:
    """One sentence for one tool result."""
    failure = replies.failure(arguments, result)
    if failure is not None:
        return failure
    say = RESULT_REPLIES.get(name, replies.updated)
    return say(arguments, result)
