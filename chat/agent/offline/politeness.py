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

# "Would it be alright to", "might I ask you to", "is it OK if I": a frame around the command.
ASKING_FRAME = (
    r"(?:would|will|is)\s+it\s+be\s+(?:\w+\s+)?(?:alright|all\s+right|ok|okay|possible|fine|cheeky|rude|much)"
    r"(?:\s+(?:for\s+you|to\s+ask(?:\s+you)?|if\s+i\s+asked\s+you))?\s+to"
    r"|is\s+it\s+(?:possible|alright|all\s+right|ok|okay|fine)\s+(?:for\s+you\s+)?to"
    r"|is\s+it\s+(?:alright|all\s+right|ok|okay|fine)\s+if\s+(?:i|we)"
    r"|(?:might|may|could|can)\s+i\s+(?:ask|trouble|get)\s+you\s+to"
)

REQUEST_MARKER = pattern(
    rf"\b(?:{ASKING_FRAME}"
    r"|if\s+you\s+(?:could|can|would|will|don't\s+mind)|(?:could|can|would|will)\s+you|would\s+you\s+mind"
    r"|you\s+(?:could|can|might)|please|kindly|might\s+i|may\s+i|could\s+i|can\s+i)\b"
    r"(?:\s+(?:please|kindly|just|possibly|quickly|also|maybe|perhaps|be\s+a\s+dear\s+and|terribly|pop\s+and"
    r"|ever\s+so\s+much|very\s+much))*\s+"
)

# Said after the request, meaning nothing for it: "..., if that's not too much bother".
TRAILING_POLITENESS = pattern(
    r"(?:\s*,\s*|\s+)(?:if\s+(?:that|it)(?:'s|\s+is)\s+not\s+too\s+much\s+(?:bother|trouble)"
    r"|if\s+you\s+(?:don't|do\s+not)\s+mind|if\s+you\s+(?:would|could|can|please|wouldn't\s+mind)"
    r"|if\s+(?:that|it)(?:'s|\s+is)\s+(?:ok|okay|alright|all\s+right|possible)|would\s+you\s+say|out\s+of\s+interest"
    r"|thanks|thank\s+you|please)[\s,.!?]*$"
)


def skip_politeness(text: str) -> str:
    """ "I would be most grateful if you could kindly remove X" -> "remove X": a command verb
    after nothing but polite words, or after a request addressed to "you"."""
    text = TRAILING_POLITENESS.sub("", text)
    for marker in REQUEST_MARKER.finditer(text[:240]):
        after = base_form(text[marker.end() :])
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


def base_form(text: str) -> str:
    """ "clearing all the finished ones" -> "clear all the finished ones": a command said as
    a gerund after "would you mind"."""
    head = re.match(r"([a-z]+?)(e?)ing\b", text, re.IGNORECASE)
    if head is None:
        return text
    stem = head.group(1).lower()
    for candidate in (stem, stem + "e", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else ""):
        if candidate in COMMANDS:
            return candidate + text[head.end() :]
    return text
