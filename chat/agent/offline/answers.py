"""A message read against the question the last turn asked: an answer to "which one do you
mean?" ("the bill one", "2", "the first") becomes the request that was asked about, aimed at
the chosen task; a message of nothing but short names ("milk, bread") is things to add."""

import re
from dataclasses import replace

from chat.agent.offline.context import Context
from chat.agent.offline.intents import TARGETED
from chat.agent.offline.lexicon import STOP_WORDS
from chat.agent.offline.requests import Request, Target
from chat.agent.offline.resolve import best_matches
from chat.agent.offline.text import capitalise, words
from chat.agent.offline.understand import understand
from chat.agent.offline.views import TaskView


def answer_question(requests: list[Request], context: Context) -> list[Request]:
    question = context.question
    bare = _bare_items(requests[0].title or "") if len(requests) == 1 and requests[0].kind == "target" else []
    if question is None and bare:
        # "milk", "bread, coffee, batteries": things to get, said as nothing but their names
        return [Request("add", titles=tuple(capitalise(item) for item in bare))]
    if question is None or not requests or requests[0].kind != "target":
        # a clause that only names a task, said beside a request, answers nothing
        return [request for request in requests if request.kind != "target"] if len(requests) > 1 else requests
    chosen = _choose(requests[0].target, question.candidates)
    if chosen is None:
        return requests
    asked = [request for request in understand(question.message) if request.kind in TARGETED]
    if not asked:
        return requests
    kind = "complete" if asked[0].kind == "story" else asked[0].kind  # "the bill one is handled" -> which?
    return [replace(asked[0], kind=kind, target=Target(numbers=(chosen,))), *requests[1:]]


def _bare_items(text: str) -> list[str]:
    """The items of a message that is only short names ("milk", "bread, coffee and batteries"):
    each one to three real-looking words (vowels in them, none a number or a common word)."""
    items = [item.strip() for item in re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", text) if item.strip()]
    for item in items:
        tokens = words(item)
        if not 1 <= len(tokens) <= 3 or any(not _looks_like_a_word(token) for token in tokens):
            return []
    return items


def _looks_like_a_word(token: str) -> bool:
    vowels = sum(letter in "aeiouy" for letter in token)
    return token.isalpha() and len(token) >= 3 and vowels / len(token) >= 0.25 and token not in STOP_WORDS


def _choose(answer: Target, candidates: tuple[TaskView, ...]) -> int | None:
    numbers = [task.number for task in candidates]
    if len(answer.numbers) == 1:
        number = answer.numbers[0]
        if number in numbers:
            return number
        return numbers[number - 1] if 1 <= number <= len(numbers) else None
    if answer.ordinal:
        index = answer.ordinal - 1 if answer.ordinal > 0 else answer.ordinal
        return numbers[index] if -len(numbers) <= index < len(numbers) else None
    if answer.words:
        found = best_matches(list(candidates), answer.words)
        return found[0].number if len(found) == 1 else None
    return None
