"""Stage 3, resolve: which of the user's tasks a target means.

Numbers are taken as said (the tool reports one that does not exist); an ordinal counts in
the list last shown; a pronoun means the task(s) last talked about; title words are matched
against the titles, forgiving typos and word forms, each word weighted by how few titles
share it. Several equally good matches are a question for the user, never a guess.
"""

from collections import Counter
from dataclasses import dataclass

from chat.agent.offline.context import Context
from chat.agent.offline.lexicon import LIGHT_VERBS, STOP_WORDS
from chat.agent.offline.requests import Target
from chat.agent.offline.text import similar, stem, words
from chat.agent.offline.views import TaskView

LIGHT_STEMS = frozenset(stem(word) for word in LIGHT_VERBS)


@dataclass(frozen=True)
class Resolution:
    numbers: tuple[int, ...] = ()
    candidates: tuple[TaskView, ...] = ()  # several match equally well: ask which
    unknown: bool = False  # named by words (or context) that match nothing

    @property
    def one(self) -> int | None:
        return self.numbers[0] if len(self.numbers) == 1 else None


def resolve(
    target: Target, *, tasks: list[TaskView] | None, context: Context, prefer_pending: bool = False
) -> Resolution:
    if target.numbers:
        return Resolution(numbers=target.numbers)
    if target.last_added:
        if context.last_added is not None:
            return Resolution(numbers=(context.last_added,))
        return Resolution(numbers=(max(task.number for task in tasks),)) if tasks else Resolution(unknown=True)
    if target.ordinals:
        order = list(context.shown) or [task.number for task in tasks or []]
        places = [place - 1 if place > 0 else place for place in target.ordinals]
        picked = [order[place] for place in places if -len(order) <= place < len(order)]
        return Resolution(numbers=tuple(picked), unknown=not picked)
    if target.ordinal:
        order = list(context.shown) or [task.number for task in tasks or []]
        index = target.ordinal - 1 if target.ordinal > 0 else target.ordinal
        return Resolution(numbers=(order[index],)) if -len(order) <= index < len(order) else Resolution(unknown=True)
    if target.everything:
        wanted = [
            task.number
            for task in tasks or []
            if target.everything == "all" or task.completed == (target.everything == "completed")
        ]
        return Resolution(numbers=tuple(wanted), unknown=not wanted)
    if target.words:
        found = best_matches(tasks or [], target.words, prefer_pending=prefer_pending)
        if len(found) == 1 or (found and target.plural):  # "check both off": every equal match
            return Resolution(numbers=tuple(task.number for task in found))
        return Resolution(candidates=tuple(found), unknown=not found)
    if target.pronoun:
        focus = context.focus
        if not focus:
            return Resolution(unknown=True)
        if target.plural or len(focus) == 1:
            return Resolution(numbers=tuple(task.number for task in focus))
        return Resolution(candidates=_with_titles(focus, tasks))
    return Resolution(unknown=True)


def _with_titles(focus: tuple[TaskView, ...], tasks: list[TaskView] | None) -> tuple[TaskView, ...]:
    known = {task.number: task for task in tasks or []}
    return tuple(known.get(task.number, task) for task in focus)


def title_stems(title: str) -> list[str]:
    return [stem(word) for word in words(title) if word not in STOP_WORDS or word in LIGHT_VERBS]


def best_matches(
    tasks: list[TaskView], query: tuple[str, ...], *, prefer_pending: bool = False, strong: bool = False
) -> list[TaskView]:
    """The tasks whose titles match `query` best. `strong`: a match must share a word that is
    not a common verb ("got hold of the landlord" names the landlord task, not "get the car
    washed")."""
    stems = [stem(word) for word in query if word not in STOP_WORDS or word in LIGHT_VERBS]
    if not stems or not tasks:
        return []
    titles = {task.number: title_stems(task.title) for task in tasks}
    shared = Counter(word for title in titles.values() for word in set(title))
    scored: list[tuple[float, TaskView]] = []
    for task in tasks:
        score, heavy = 0.0, False
        for word in dict.fromkeys(stems):
            matched = next((title_word for title_word in titles[task.number] if similar(word, title_word)), None)
            if matched is None:
                continue
            light = word in LIGHT_STEMS
            heavy = heavy or not light
            score += (0.5 if light else 1.0) / shared[matched]
        if score > 0 and (heavy or not strong):
            scored.append((score, task))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    top = [task for score, task in scored if abs(score - best) < 1e-9]
    if prefer_pending and len(top) > 1:
        top = [task for task in top if not task.completed] or top
    return top
