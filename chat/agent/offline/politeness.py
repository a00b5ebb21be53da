"""Politeness peeled off a clause: "I would be most grateful if you could kindly remove X" is
"remove X"."""

import re

from chat.agent.offline.adds import ADD_MARKER
from chat.agent.offline.reading import COMMANDS, pattern
from chat.agent.offline.text import is_word, words

POLITE_WORDS = {
    "can", "could", "would", "will", "you", "please", "kindly", "mind", "terribly", "be", "so", "kind", "as",
    "to", "if", "not", "too", "much", "trouble", "i", "i'd", "like", "want", "me", "for", "help",
    "most", "grateful", "possibly", "maybe", "perhaps", "just", "quickly", "again", "but", "sorry", "bother",
    "really", "appreciate", "wonder", "wondering", "able", "dear", "assistant", "hey", "hi",
}  # fmt: skip

REQUEST_MARKER = pattern(
    r"\b(?:if\s+you\s+(?:could|can|would|will|don't\s+mind)|(?:could|can|would|will)\s+you|would\s+you\s+mind"
    r"|you\s+(?:could|can|might)|please|kindly|might\s+i|may\s+i|could\s+i|can\s+i)\b"
    r"(?:\s+(?:please|kindly|just|possibly|quickly|also|maybe|perhaps|be\s+a\s+dear\s+and|terribly|pop\s+and))*\s+"
)


def skip_politeness(text: str) -> str:
    """ "I would be most grateful if you could kindly remove X" -> "remove X": a command verb
    after nothing but polite words, or after a request addressed to "you"."""
    for marker in REQUEST_MARKER.finditer(text[:240]):
        after = text[marker.end() :]
        head = words(after)[:1]
        if not head:
            continue
        if is_word(head[0], COMMANDS) or head[0] in {"note", "jot", "write"} or ADD_MARKER.match(after):
            return after
        if head[0] in {"see", "have"}:  # "might I see what's left", "could I have my list"
            return f"show {after}"
    tokens = list(re.finditer(r"[\w']+", text))
    for index, token in enumerate(tokens[:24]):
        word = token.group(0).lower()
        if index == 0:
            if word not in POLITE_WORDS:
                return text
            continue
        if is_word(word, COMMANDS) or word in {"showing", "adding", "removing", "deleting", "marking", "putting"}:
            if {item.group(0).lower() for item in tokens[:index]} <= POLITE_WORDS:
                return text[token.start() :]
        if word not in POLITE_WORDS:
            return text
    return text
