"""Binding targets across the clauses of one message: a request that says "it" takes the task
the clause before it named."""

import re
from dataclasses import replace

from chat.agent.offline.intents import NAMING, TARGETED
from chat.agent.offline.requests import Request
from chat.agent.offline.text import capitalise


def bind_targets(requests: list[Request]) -> list[Request]:
    """A request that says "it" (or names nothing) takes the task named by the clause just
    before it in the same message: "the last one I added - mark it done", "called mom, mark
    it done". The naming clause is then consumed, so the task is acted on once."""
    bound: list[Request] = []
    for request in requests:
        previous = bound[-1] if bound else None
        if (
            previous is not None
            and previous.kind in NAMING
            and previous.target.named
            and request.kind in TARGETED
            and (request.target.pronoun or not request.target.named)
        ):
            target = replace(previous.target, plural=previous.target.plural or request.target.plural)
            bound[-1] = replace(request, target=target)
            continue
        if previous is not None and previous.kind == "target" and previous.title and request.kind == "add":
            # "pediatrician appt for Leo - have to call and book it": the task is the named thing
            if len(request.titles) == 1 and re.search(r"\b(?:it|them)\b", request.titles[0], re.IGNORECASE):
                bound[-1] = replace(request, titles=(f"{capitalise(previous.title)} - {request.titles[0].lower()}",))
                continue
        if request.kind in TARGETED and request.target.pronoun:
            # "task 2 I marked done by mistake ... make it not done again": "it" is the task named
            # earlier in the message
            named = next((earlier.target for earlier in reversed(bound) if earlier.target.numbers), None)
            if named is not None:
                request = replace(request, target=named)
                if request in bound:
                    continue
        bound.append(request)
    return bound
