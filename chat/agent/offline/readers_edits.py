"""Readers of edits and completions said without a command verb first: "call it X", "I meant X,
not Y", "X needs details: Y", "#4's done as well", "done with 9 and 11"."""

import re
from dataclasses import replace

from chat.agent.offline.lexicon import ADD_VERBS, NEGATIONS, NOTE_FIELDS
from chat.agent.offline.readers_commands import SUFFIX_TARGET
from chat.agent.offline.reading import DONE, FIELDS, Clause, Reading, command_head, pattern, unquote
from chat.agent.offline.requests import Request, Target
from chat.agent.offline.targets import read_target
from chat.agent.offline.text import capitalise, is_word, number_value, words
from chat.agent.offline.tiers import Tier

SUFFIX_DONE = pattern(
    r"^(?P<target>.+?)\s*(?:'s|\s+is|\s+are|\s+has\s+been|\s+have\s+been|\s+was|\s+were|\s+got|\s+'re)?"
    r"(?:\s+now|\s+all|\s+also|\s+finally|\s+officially)?\s+(?:done|complete|completed|finished|sorted)"
    r"(?:\s+(?:too|as\s+well|also|now|already|then|yay))*(?:\s*[,;]\s+(?:did|finished|got|and)\b.*)?$"
)

AND_SO_IS = pattern(
    r"^(?P<first>.+?)\s+(?:is|are|'s)\s+(?:done|finished|complete|completed)\s*,?\s+and\s+so\s+(?:is|are)\s+(?P<second>.+)$"
)

DONE_WITH = pattern(
    r"^(?:i'?m\s+|i\s+am\s+|i'?ve\s+|i\s+have\s+|i\s+|all\s+)?(?:just\s+|already\s+|finally\s+)?(?:done|finished|completed)"
    r"\s+(?:with\s+)?(?P<target>.+)$"
)

CALL_IT = pattern(
    r"^(?:call|name|rename|retitle)\s+(?P<target>it|that|this|(?:task\s+|number\s+|#)?\d+)(?:\s+one)?\s*(?:to\s+|as\s+|:\s*)?"
    r"(?P<value>.+?)(?:\s+instead)?$"
    r"|^(?:make|have|let|can|could)\s+(?P<target_say>.+?)\s+(?:say|read)\s*:?\s*(?P<value_say>.+?)(?:\s+instead)?$"
    r"|^(?P<target_should>.+?)\s+should\s+(?:say|read|be|be\s+called)\s*:?\s*(?P<value_should>.+?)(?:\s+instead)?$"
    r"|^make\s+(?P<target_make>it|that|this|(?:task\s+|number\s+|#)?\d+)\s+(?P<value_make>['\"].+)$"
)

CORRECTION = pattern(
    r"^(?:no,?\s+|sorry,?\s+|oops,?\s+)*(?:i\s+meant|meant|it'?s|it\s+is|it\s+should\s+be|should\s+be|make\s+it"
    r"|change\s+it\s+to)\s+(?:to\s+say\s+)?(?P<new>.+?)\s*,?\s+(?:not|instead\s+of|rather\s+than)\s+(?P<old>.+)$"
)

NOT_NEEDED = pattern(
    r"^(?P<target>.+?)\s+(?:can\s+go|can\s+be\s+(?:deleted|removed|binned)|isn'?t\s+needed|is\s+not\s+needed"
    r"|is\s+no\s+longer\s+needed|(?:is|are)\s+cancell?ed|got\s+cancell?ed)(?:\s+(?:now|too|as\s+well))?$"
)

BARE_NOTE = pattern(
    r"^(?:put|add|write|stick)\s+(?:it|that|this)\s+(?:in|on|into)\s+(?:the|its|a)\s+notes?\s*:?\s*(?P<value_it>.+)$|"
    r"^(?:add|put|attach|leave)\s+(?:a\s+|the\s+)?(?:notes?|details|comment)\s*(?::|saying|that\s+says)?\s*(?P<value>.+)$"
)

FOR_TARGET_NOTE = pattern(
    r"^(?:for|on|re|about)\s+(?P<target>.+?)\s*[,:]\s*(?:(?:jot|write|note|put)\s+down|add\s+(?:a\s+)?note"
    r"|note)?\s*:?\s*(?P<value>.+)$"
)

NEEDS_NOTE = pattern(
    r"^(?P<target>.+?)\s+(?:please\s+)?(?:put|add|leave|write)\s+a\s+note\s+(?:that|saying|:)\s*(?P<value>.+)$|"
    r"^(?P<target_needs>.+?)\s+(?:needs|gets|should\s+have|could\s+use|wants)\s+(?:a\s+|some\s+|the\s+|more\s+)?"
    r"(?:notes?|details|description|comment)\s*:?\s*(?P<value_needs>.+)$"
)

ADD_NOTE = pattern(
    r"^(?:add|put|attach|give|write|set|leave|stick)\s+(?:a\s+|the\s+|some\s+|this\s+)?(?:\w+\s+){0,2}?(?:notes?|details"
    r"|description|comment)\s+(?:to|on|for)\s+(?P<target>.+?)\s*(?::|,?\s*\bsaying\b(?:\s+that)?|\bthat\s+says\b|\s+says?\b)"
    r"\s*(?P<value>.+)$"
)

NOTE_ON = pattern(
    r"^(?:notes?|details|description)\s+(?P<target_number>(?:task\s+|#|number\s+)?\d+)\s*:\s*(?P<value_number>.+)$|"
    r"^(?:a\s+|the\s+|and\s+a\s+)?(?:notes?|details|description)\s+(?:for|on|to)\s+(?!self\b)(?P<target>.+?)\s*:\s*(?P<value>.+)$"
    r"|^(?!(?:mental|quick|side|short|little|small)\s)(?P<target_first>.+?)(?:'s)?\s+(?:notes?|description|details)\s*:\s*"
    r"(?P<value_first>.+)$"
)

CLEAR_NOTE = pattern(
    r"^(?:remove|clear|delete|erase|drop|wipe|empty|rm|scrap|ditch|bin)\s+(?:out\s+)?(?:the\s+|its\s+|that\s+)?"
    r"(?:notes?|description|details|comment)(?:\s+(?:from|on|of|for|in|off)\s+(?P<target>.+))?$"
)


def read_edit_phrases(clause: Clause, after_add: bool) -> Reading | None:
    """Edits said without an edit verb first: "call it X", "I meant X, not Y", "X needs details: Y"."""
    text = clause.text
    if match := CORRECTION.match(text):
        old_text, target = match["old"], Target(pronoun=True)
        if (about := re.search(r",?\s+(?:for|on|in)\s+(?P<about>.+)$", old_text)) and (
            named := read_target(about["about"])
        ).named:
            old_text, target = old_text[: about.start()], named  # "Wednesday, not Thursday, for the prescription"
        if (suffix := SUFFIX_TARGET.search(old_text)) and (number := number_value(suffix["number"])) is not None:
            old_text, target = old_text[: suffix.start()], Target(numbers=(number,))
        new, old = unquote(_strip_article(match["new"])), unquote(_strip_article(old_text))
        return Tier.RENAME_PHRASE, Request("update", target=target, replace=(old, new))
    if match := CALL_IT.match(text):
        groups = {key.split("_")[0]: value for key, value in match.groupdict().items() if value}
        pronoun = groups["target"] in {"it", "that", "this"}
        target = Target(pronoun=True) if pronoun else read_target(groups["target"])
        value = unquote(groups["value"])
        if {is_word(word, FIELDS) for word in words(groups["target"])} & NOTE_FIELDS:
            return Tier.NOTE_PHRASE, Request(
                "update", target=target, description=value
            )  # "the note on 2 should say: X"
        if not target.named or (groups.get("target") and not value):
            return None
        if set(words(value)) <= DONE:
            return Tier.COMMAND, Request("complete", target=target)
        return Tier.RENAME_PHRASE, Request("update", target=target, title=capitalise(value))
    if match := NOT_NEEDED.match(text):
        target = read_target(match["target"])
        if target.named:
            return Tier.NOT_NEEDED, Request("delete", target=target)
    if match := CLEAR_NOTE.match(text):
        target = read_target(match["target"] or "it")
        return Tier.NOTE_EDIT, Request("update", target=target, description="")
    for note in (ADD_NOTE, NEEDS_NOTE, NOTE_ON):
        if (match := note.match(text)) and not (note is not ADD_NOTE and command_head(clause, frozenset(ADD_VERBS))):
            groups = match.groupdict()
            said = [groups.get(key) for key in ("target", "target_needs", "target_first", "target_number")]
            target = read_target(next((found for found in said if found), ""))
            values = [groups.get(key) for key in ("value", "value_needs", "value_first", "value_number")]
            value = next((found for found in values if found), "")
            if target.named:
                return Tier.NOTE_EDIT, Request("update", target=target, description=unquote(value))
    if match := BARE_NOTE.match(text):  # "number 3: add a note 'X'": the task from the prefix or the talk
        value = match["value"] or match["value_it"]
        return Tier.EDIT, Request("update", target=Target(pronoun=True), description=unquote(value))
    if (match := FOR_TARGET_NOTE.match(text)) and (target := read_target(match["target"])).named:
        return Tier.NOTE_FOR, Request("update", target=target, description=unquote(match["value"]))
    return None


def _strip_article(text: str) -> str:
    return re.sub(r"^(?:the|a|an|my)\s+", "", text.strip(), flags=re.IGNORECASE)


def read_done_phrases(clause: Clause, after_add: bool) -> Reading | None:
    """ "#4's done as well", "the phone one's done", "done with 9 and 11"."""
    if clause.question or set(clause.tokens) & NEGATIONS:
        return None
    text = clause.text
    if set(clause.tokens) <= DONE | {"as", "now", "too", "all", "also", "yes", "finally"}:
        return Tier.BARE_DONE, Request("complete")  # "task 5 - done": the target comes from the clause before
    if match := AND_SO_IS.match(text):
        both = read_target(f"{match['first']}, {match['second']}")
        if both.named:
            return Tier.DONE_PHRASE, Request("complete", target=replace(both, plural=True))
    if match := DONE_WITH.match(text):
        return Tier.DONE_PHRASE, Request("complete", target=read_target(match["target"]))
    if match := SUFFIX_DONE.match(text):
        target = read_target(match["target"])
        if target.named:
            return Tier.DONE_SUFFIX, Request("complete", target=target)
    return None
