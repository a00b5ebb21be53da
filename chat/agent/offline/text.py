"""Stage 1, normalise: clean text people type into words the other stages can read.

Case, curly quotes, emoji and texting shorthand are handled here; typos in command and
field words are forgiven by edit distance (`is_word`); task titles keep their own words.
"""

import re
import unicodedata
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from chat.agent.offline.lexicon import IRREGULAR_PAST, KNOWN_WORDS, NUMBER_WORDS, ORDINAL_WORDS, SHORT_TYPOS, SHORTHAND

ARROW = re.compile(r"\s*(?:-+>|=+>|\u2192|\u21d2|\u27f6)\s*")
CROSS_MARK = re.compile(r"^\s*\[?x\]?\s+(?=(?:task\s+)?#?\d+(?:\s*(?:,|and|&)\s*#?\d+)*\s*$)", re.IGNORECASE)
LEADING_BANGS = re.compile(r"^\s*!{2,}\s*(?=\w)")
HOW_SHORTHAND = re.compile(r"\bhw\s+(?=(?:many|much|mny|long|do|does|is|are)\b)", re.IGNORECASE)
CHECK_MARKS = {"\u2713", "\u2714", "\u2705", "\u2611", "\u2612"}
# Typographic quotes made straight, and dashes made the " - " that separates clauses.
QUOTE_MARKS = str.maketrans(
    {
        "\u2014": " - ",
        "\u2013": " - ",
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "`": "'",
    }
)
KEPT_SYMBOLS = set("'\"#+:;,.!?-/()&%$@=*")
WORD = re.compile(r"[a-z0-9]+(?:['\-/][a-z0-9]+)*|#|\+", re.IGNORECASE)
SHORTHAND_TOKEN = re.compile(
    r"(?<![\w'])(" + "|".join(map(re.escape, sorted(SHORTHAND, key=len, reverse=True))) + r")(?![\w'])", re.IGNORECASE
)


def normalise(text: str) -> str:
    """The message as plain text: emoji dropped (check marks read as "done"), quotes made
    straight, arrows read as "to" ("3 -> done", "mv 'a' -> 'b'"), shorthand expanded,
    whitespace collapsed. Case is kept for titles."""
    text = ARROW.sub(" to ", unicodedata.normalize("NFKC", text).translate(QUOTE_MARKS))
    text = CROSS_MARK.sub("done ", text)
    characters = []
    for character in text:
        if character in CHECK_MARKS:
            characters.append(" done ")
        elif character.isalnum() or character.isspace() or character in KEPT_SYMBOLS:
            characters.append(character)
        else:
            characters.append(" ")
    text = "".join(characters).replace("&", " and ")
    text = LEADING_BANGS.sub("urgent: ", text)  # "!!! replace the battery": said as a priority
    text = HOW_SHORTHAND.sub("how ", text)  # "hw many left"; any other "hw" is homework
    text = SHORTHAND_TOKEN.sub(lambda match: _shorthand(match.group(1)), text)
    return " ".join(text.split())


def _shorthand(word: str) -> str:
    # A capital single letter is a name or an initial ("Plan B", "Vitamin D"), not shorthand.
    return word if len(word) == 1 and word.isupper() else SHORTHAND[word.lower()]


def words(text: str) -> list[str]:
    """Lower-case words, numbers, "#" and "+" in order."""
    return [word.lower() for word in WORD.findall(text)]


@lru_cache(maxsize=4096)
def is_word(word: str, vocabulary: frozenset[str]) -> str | None:
    """The vocabulary word `word` is, allowing a typo: one edit for words of 4+ letters, two
    for 7+ ("compelte", "shwo", "pendng"), a known misspelling for shorter ones ("ad", "rm")."""
    if word in vocabulary:
        return word
    squeezed = re.sub(r"(.)\1{2,}", r"\1", word)  # "adddd", "heyyy"
    if squeezed != word:
        return is_word(squeezed, vocabulary) or is_word(re.sub(r"(.)\1{2,}", r"\1\1", word), vocabulary)
    if word in SHORT_TYPOS and SHORT_TYPOS[word] in vocabulary:
        return SHORT_TYPOS[word]
    if len(word) < 3 or not word.isalpha() or word in KNOWN_WORDS or word in IRREGULAR_PAST:
        return None  # a real word ("clean", "sent", "shop") is never a typo of a command
    if word.endswith(("ed", "td")) and len(word) > 4:
        return None  # a past form ("canceled", "updaetd") is a story, not a command
    limit = 2 if len(word) >= 7 else 1
    best: tuple[int, str] | None = None
    for candidate in vocabulary:
        if abs(len(candidate) - len(word)) > limit or candidate[0] != word[0] and limit == 1:
            continue
        if len(word) == 3 and len(candidate) < 4:
            continue  # three letters: only a missing letter ("shw", "lst"), never a changed one
        distance = Levenshtein.distance(word, candidate, weights=(1, 1, 1), score_cutoff=limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
        # A transposition ("shwo", "compelte") is one typo, not two.
        if _is_transposition(word, candidate) and (best is None or best[0] > 1):
            best = (1, candidate)
    return best[1] if best else None


def _is_transposition(word: str, candidate: str) -> bool:
    if len(word) != len(candidate) or word == candidate:
        return False
    differences = [index for index, (a, b) in enumerate(zip(word, candidate, strict=True)) if a != b]
    return (
        len(differences) == 2
        and differences[1] == differences[0] + 1
        and word[differences[0]] == candidate[differences[1]]
        and word[differences[1]] == candidate[differences[0]]
    )


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A crude, symmetric stem so "washed", "washing" and "wash" compare equal (and "paid" and
    "pay"). Applied to both sides of a comparison, so it need not produce real words."""
    word = word.lower().removesuffix("'s").strip("'-")
    if word in IRREGULAR_PAST:
        word = IRREGULAR_PAST[word]
    elif len(word) > 4 and word.endswith(("ies", "ied")):
        word = word[:-3] + "y"
    elif len(word) > 5 and word.endswith("ing"):
        word = _undouble(word[:-3])
    elif len(word) > 4 and word.endswith("ed"):
        word = _undouble(word[:-2])
    elif len(word) > 4 and word.endswith("es") and word[-3] in "sxzh":
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def _undouble(word: str) -> str:
    if len(word) > 2 and word[-1] == word[-2] and word[-1] not in "lsz":
        return word[:-1]
    return word


def similar(a: str, b: str) -> bool:
    """Two stems are the same word, allowing a typo in longer words ("insurence")."""
    if a == b:
        return True
    if min(len(a), len(b)) < 5:
        return False
    return Levenshtein.distance(a, b, score_cutoff=1) <= 1 or _is_transposition(a, b)


def number_value(word: str) -> int | None:
    """3, "#3", "three", "3's" -> 3."""
    word = word.lower().removeprefix("#").removesuffix("'s")
    if word.isascii() and word.isdigit() and len(word) <= 9:
        return int(word)
    return NUMBER_WORDS.get(word)


def ordinal_value(word: str) -> int | None:
    """1 for "first", 2 for "2nd", -1 for "last"."""
    return ORDINAL_WORDS.get(word.lower())


def capitalise(title: str) -> str:
    return title[:1].upper() + title[1:]
