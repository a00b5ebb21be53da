"""A list typed on separate lines ("Add:" then "- pay the fees" / "• renew the licence" / "+ x"):
each bullet is one item. Normalising joins lines, so the list is read from the raw message first."""

import re
from dataclasses import dataclass

BULLET = re.compile(r"^\s*(?:[-*\u2022\u2023\u25e6\u2043\u00b7+]|\d{1,2}[.)])\s+(?P<item>\S.*?)\s*$")
ADD_HEADER = re.compile(
    r"\b(?:add|put(?:\s+down)?|jot(?:\s+down)?|note(?:\s+down)?|write(?:\s+down)?|list|to-?dos?|to\s+do|tasks?|these)\b"
    r"[^\n]*[:?]\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BulletList:
    """The lines before the list's header, and the list's items."""

    before: str
    items: tuple[str, ...]


def bulleted_list(message: str) -> BulletList | None:
    """The list of tasks to add ending `message`: two bullets or more, nothing after them, and
    a header asking to add them ("Could you add these?"), or no header, or "+" bullets."""
    lines = lines_of(message)
    items: list[str] = []
    while lines and (match := BULLET.match(lines[-1])):
        items.insert(0, match["item"])
        lines.pop()
    if len(items) < 2:
        return None
    header = lines[-1] if lines else ""
    adding = (
        not lines
        or bool(ADD_HEADER.search(header))
        or all(line.lstrip().startswith("+") for line in lines_of(message)[-len(items) :])
    )
    if not adding:
        return None
    return BulletList(before="\n".join(lines[:-1]), items=tuple(items))


def lines_of(message: str) -> list[str]:
    return [line for line in message.splitlines() if line.strip()]
