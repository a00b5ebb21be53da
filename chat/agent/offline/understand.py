"""Stage 2, understand: a message becomes requests.

The message is cut into sentences and clauses ("add X then mark 1 done"); every clause is
read by each reader below, each scoring how well the clause fits its intent, and the best
reading wins. A clause that only names a task ("the last one I added - mark it done") lends
its target to the clause after it. Nothing here knows the user's tasks: that is `resolve`.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from chat.agent.offline.lexicon import (
    ADD_VERBS,
    ALL_WORDS,
    COMMAND_VOCABULARY,
    COMPLETE_VERBS,
    COMPLETED_WORDS,
    DELETE_VERBS,
    DONE_WORDS,
    DUE_WORDS,
    FIELD_VOCABULARY,
    FILLER_WORDS,
    IRREGULAR_PAST,
    LIST_NOUNS,
    NEGATIONS,
    NOTE_FIELDS,
    PENDING_WORDS,
    POSTPONE_WORDS,
    QUESTION_OPENERS,
    REQUEST_OPENERS,
    SHOW_VERBS,
    STOP_WORDS,
    TASK_VERBS,
    TITLE_FIELDS,
    UNDO_WORDS,
    UNFINISHED_PAST,
    UPDATE_VERBS,
)
from chat.agent.offline.requests import Request, Target
from chat.agent.offline.targets import read_status, read_target
from chat.agent.offline.text import capitalise, is_word, normalise, number_value, words

COMMANDS = frozenset(COMMAND_VOCABULARY)
PRIORITY = frozenset({"priority", "priorities", "prioritize", "prioritise", "urgent"})
STATUS_VOCABULARY = frozenset(PENDING_WORDS | COMPLETED_WORDS)
# Words of "show me everything I've still got to do" that name no task.
LIST_WORDS = LIST_NOUNS | ALL_WORDS | {
    "me", "us", "my", "the", "what", "that's", "thats", "i", "i've", "ive", "have", "got", "to", "do", "ones",
    "is", "are", "on", "there", "so", "far", "now", "please", "again", "every", "whole", "full",
}  # fmt: skip
LIST_VOCABULARY = frozenset(LIST_WORDS) | STATUS_VOCABULARY
FIELDS = frozenset(FIELD_VOCABULARY)
TASK_VERB_SET = frozenset(TASK_VERBS)
DONE = frozenset(DONE_WORDS)


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


DUE_REQUEST = _compile(r"\b(?:due\s+date|deadline|overdue|due\s+(?:by|on|next|this|tomorrow|today))\b")
INJECTION = _compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|your\s+|the\s+|my\s+)*(?:previous\s+|prior\s+|above\s+"
    r"|earlier\s+|system\s+)*(?:instructions?|rules|prompts?|directives|guidelines|programming)\b"
    r"|\bsystem\s+(?:override|prompt|message)\b|\b(?:admin|developer|god|debug|root)\s+mode\b|\bjailbreak"
    r"|\b(?:every|all|other)\s+users?'?s?\b|\bhidden\s+(?:prompt|instructions?)\b|\byou\s+are\s+now\b"
    r"|\bprint\s+your\s+(?:\w+\s+)?(?:prompt|instructions)\b|\breveal\s+your\b|\buser\s*(?:id\s*)?#?\d+\b"
    r"|\b(?:other\s+(?:people|accounts)|everyone'?s|someone\s+else'?s|anybody'?s)\b|\bpretend\s+(?:you|to)\b"
    r"|\bact\s+as\s+(?:an?\s+)?(?:admin|root|system|developer)\b|\bsudo\b"
)
QUOTED = _compile(r"\"[^\"]+\"|(?<![\w'])'(?:[^']|'(?=\w))+'(?![\w'])")
SENTENCE_BREAK = _compile(
    r"(?<=[.!?])(?<!\bno\.)(?<!\bnr\.)(?<!\bdr\.)(?<!\bmr\.)(?<!\bms\.)(?<!\bst\.)(?<!\bmrs\.)(?<!\bvs\.)"
    r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)\s+(?=\S)|\n+"
)
COMMAND_AHEAD = (
    r"(?=(?:mark|delete|remove|rm|tick|cross|complete|rename|change|update|edit|show|list|get\s+rid|undo|erase|replace\s+['\"]|swap\s+['\"]"
    r"|call\s+(?:it|that|this)\b|name\s+(?:it|that)\b|check\s+off)\b)"
)
CLAUSE_BREAK = _compile(
    r"\s*;\s*|\s*,?\s*\band\s+then\s+|\s*,\s*then\s+|\s+then\s+(?=\w)|\s+(?:-+|—)\s+(?!(?:notes?|description|details)\b)"
    rf"|\s*,\s*(?:and\s+)?{COMMAND_AHEAD}|\s+and\s+(?:also\s+)?{COMMAND_AHEAD}"
    r"|\s*,\s*(?:and\s+|but\s+|so\s+)?(?=(?:can|could|would|will)\s+you\b|please\s+\w)"
    r"|\s+(?=(?:tick|check|cross|mark)\s+(?:it|that|them|this|those|both)\s+(?:off|done|as\s+done|complete)\b)"
    r"|\s*,\s*(?=(?:he|she|they)\s+(?:already|just|said|says|was|were|is|are|loved|liked|replied|cried|called)\b)"
    r"|\s*,\s*(?:and\s+)?(?=(?:drop|bin|scrap|trash|ditch|erase|finish|close|cancel)\s+(?:both\s+|tasks?\s+|#|numbers?\s+)?"
    r"(?:\d|it\b|them\b|those\b|that\b))"
)
OPENING_PHRASES = _compile(
    r"^(?:(?:can|could|would|will)\s+you(?:\s+please|\s+kindly|\s+just)*|would\s+you\s+mind(?:\s+terribly)?"
    r"|i\s+(?:want|need|would\s+like|'d\s+like)\s+you\s+to|help\s+me|let'?s|go\s+ahead\s+and|quick\s+one\s*:?"
    r"|good\s+(?:morning|afternoon|evening|day)|(?:this|next)\s+(?:week|weekend|month)|today|tonight|tomorrow"
    r"|for\s+today|oh\s+wait|by\s+the\s+way)\b[\s,:!.]*"
)
POLITE_WORDS = {
    "can", "could", "would", "will", "you", "please", "kindly", "mind", "terribly", "be", "so", "kind", "as",
    "to", "if", "not", "too", "much", "trouble", "i", "i'd", "like", "want", "me", "for", "help",
    "most", "grateful", "possibly", "maybe", "perhaps", "just", "quickly", "again", "but", "sorry", "bother",
    "really", "appreciate", "wonder", "wondering", "able", "dear", "assistant", "hey", "hi",
}  # fmt: skip

# Implicit adds: "need to X", "gotta X", "don't let me forget to X", "todo: X", "+ X".
ADD_MARKER = _compile(
    r"^(?:i\s+)?(?:really\s+|also\s+|still\s+)?(?:need|have|got|ought)\s+to\s*:?\s+(?!(?:see|know|check\s+my|view)\b)"
    r"|^(?:\w+\s+)?(?:shopping|grocery|groceries|to-?do|todo|packing)\s+list\s*:\s*|^(?:shopping|groceries)\s*:\s*"
    r"|^i'?ve\s+got\s+to\s+|^gotta\s+|^(?:i\s+)?(?:must|should)\s+(?!(?:i|you|we|be|have\s+been)\b)"
    r"|^(?:do\s+not|don't|dont)\s+(?:let\s+me\s+)?forget\s+(?:to\s+|about\s+)?"
    r"|^(?:please\s+)?remind\s+me\s+(?:to\s+|about\s+)|^remember\b\s*(?:to\s+)?:?\s*|^note\s+to\s+self\s*:?\s*|^(?:mental\s+)?note\s*:\s*|^mental\s+note\s*(?:to\s+self\s*)?:?\s*"
    r"|^(?:to-?do|to\s+do|reminder|new\s+task|task|new\s+todo|add)\s*:\s*|^\+\s*|^one\s+more\b\s*:?\s*"
    r"|^(?:and\s+|also\s+)?(?:these|this|(?:\w+\s+)?more)(?:\s+\w+){0,3}\s*:\s*"
)
ADD_PREAMBLE = _compile(
    r"^(?:(?:a|an|another|one\s+more|the|some|this)\s+)?(?:new\s+)?(?:(?:task|todo|to-do|item|reminder|entry|note)s?\b"
    r"\s*(?:for\s+me\s*)?)?(?:(?:to|on|in|onto)\s+(?:my|the)\s+(?:(?:todo|to-do|task|shopping)\s+)?list\b\s*)?"
    r"(?:(?:called|named|titled|saying|that\s+says|to|for|about)\b|:|-)?\s*"
)
LIST_HEADER = _compile(
    r"^.*\b(?:following|these|those|list)\b.*$|^(?:(?:these|this|those|the\s+following|following|(?:\w+\s+)?(?:more\s+)?(?:things|items|tasks|todos)"
    r"|\w+(?:\s+more)?|(?:\w+\s+)?more)(?:\s+(?:too|as\s+well|also|to\s+my\s+list|on\s+my\s+list|for\s+me))*)$"
)
DESCRIPTION = _compile(
    r"^(?P<title>.+?)\s*,?\s*(?:\bwith\s+(?:a\s+|the\s+|some\s+)?(?:notes?|description|details|comment)"
    r"(?:\s+of|\s+saying|\s+that\s+says)?\s*:?|[-(]\s*(?:notes?|description|details)\s*:|\b(?:note|notes"
    r"|description|details)\s*:)\s*(?P<description>.+?)\)?$"
)
TITLE_TRAILER = _compile(
    r"(?:\s+(?:to|on|onto|in)\s+(?:my|the)\s+(?:(?:todo|to-do|task|shopping)\s+)?list|\s+on\s+there|\s+for\s+me|\s+too"
    r"|\s+as\s+well|\s+also|\s+please|\s+thanks|\s+thank\s+you|\s+instead|\s+now)$"
)
SUFFIX_DONE = _compile(
    r"^(?P<target>.+?)\s*(?:'s|\s+is|\s+are|\s+has\s+been|\s+have\s+been|\s+was|\s+were|\s+got|\s+'re)?"
    r"(?:\s+now|\s+all|\s+also|\s+finally|\s+officially)?\s+(?:done|complete|completed|finished|sorted)"
    r"(?:\s+(?:too|as\s+well|also|now|already|then|yay))*(?:\s*[,;]\s+(?:did|finished|got|and)\b.*)?$"
)
AND_SO_IS = _compile(
    r"^(?P<first>.+?)\s+(?:is|are|'s)\s+(?:done|finished|complete|completed)\s*,?\s+and\s+so\s+(?:is|are)\s+(?P<second>.+)$"
)
DONE_WITH = _compile(
    r"^(?:i'?m\s+|i\s+am\s+|i'?ve\s+|i\s+have\s+|i\s+|all\s+)?(?:just\s+|already\s+|finally\s+)?(?:done|finished|completed)"
    r"\s+(?:with\s+)?(?P<target>.+)$"
)
CALL_IT = _compile(
    r"^(?:call|name|rename|retitle)\s+(?P<target>it|that|this|(?:task\s+|number\s+|#)?\d+)(?:\s+one)?\s*(?:to\s+|as\s+|:\s*)?"
    r"(?P<value>.+?)(?:\s+instead)?$"
    r"|^(?:make|have|let|can|could)\s+(?P<target_say>.+?)\s+(?:say|read)\s*:?\s*(?P<value_say>.+?)(?:\s+instead)?$"
    r"|^(?P<target_should>.+?)\s+should\s+(?:say|read|be|be\s+called)\s*:?\s*(?P<value_should>.+?)(?:\s+instead)?$"
    r"|^make\s+(?P<target_make>it|that|this|(?:task\s+|number\s+|#)?\d+)\s+(?P<value_make>['\"].+)$"
)
CORRECTION = _compile(
    r"^(?:no,?\s+|sorry,?\s+|oops,?\s+)*(?:i\s+meant|meant|it'?s|it\s+is|it\s+should\s+be|should\s+be|make\s+it"
    r"|change\s+it\s+to)\s+(?:to\s+say\s+)?(?P<new>.+?)\s*,?\s+(?:not|instead\s+of|rather\s+than)\s+(?P<old>.+)$"
)
REOPEN_WORDS = _compile(
    r"\b(?:reopen|re-open|un-?mark|un-?check|un-?tick|un-?complete|un-?finish|mark|set|make|flag|change|put|move|as|back"
    r"|not|yet|done|complete|completed|finished|undone|incomplete|unfinished|pending|open|to\s*do|uncompleted|again"
    r"|please|now|after\s+all)\b"
)
NOT_NEEDED = _compile(
    r"^(?P<target>.+?)\s+(?:can\s+go|can\s+be\s+(?:deleted|removed|binned)|isn'?t\s+needed|is\s+not\s+needed"
    r"|is\s+no\s+longer\s+needed|(?:is|are)\s+cancell?ed|got\s+cancell?ed)(?:\s+(?:now|too|as\s+well))?$"
)
BARE_NOTE = _compile(
    r"^(?:put|add|write|stick)\s+(?:it|that|this)\s+(?:in|on|into)\s+(?:the|its|a)\s+notes?\s*:?\s*(?P<value_it>.+)$|"
    r"^(?:add|put|attach|leave)\s+(?:a\s+|the\s+)?(?:notes?|details|comment)\s*(?::|saying|that\s+says)?\s*(?P<value>.+)$"
)
FOR_TARGET_NOTE = _compile(
    r"^(?:for|on|re|about)\s+(?P<target>.+?)\s*[,:]\s*(?:(?:jot|write|note|put)\s+down|add\s+(?:a\s+)?note"
    r"|note)?\s*:?\s*(?P<value>.+)$"
)
INNER_MARKER = _compile(
    r"\b(?:i|we)\s+(?:still\s+|also\s+|really\s+|just\s+)*(?:need|have|got|ought)\s+to\s+(?!(?:see|know|check\s+my)\b)"
    r"|\b(?:i|we)\s+(?:still\s+|also\s+|really\s+)*(?:must|should|gotta)\s+(?!(?:be|have\s+been)\b)"
)
HAVE_DUE = _compile(
    r"^(?:i|we)\s+(?:have|'ve\s+got|got)\s+(?P<task>(?:a|an|my|the|this|some|two|three)\s+.+?\bdue\b.*)$"
)
UNFINISHED_PHRASE = _compile(
    r"\bbefore\s+(?:i|we)\s+could\b|\bslipped\s+my\s+mind\b|\b(?:was|were)\s+going\s+to\b|\b(?:meant|planned|wanted"
    r"|hoped|tried)\s+to\b|\b(?:gave|give|giving)\s+up\b|\bno\s+luck\b|\bran\s+out\s+of\b|\bput\s+(?:it\s+|that\s+)?off\b"
    r"|\b(?:was|were)\s+(?:closed|shut|down|full|busy|cancell?ed)\b|\bnot\s+(?:yet|today)\b|\bnext\s+(?:week|time)\b"
    r"|\bwent\s+to\s+\w+\s+but\b|\bout\s+of\s+stock\b|\bsold\s+out\b|\b(?:was|were)\s+out\s+of\b|\bi'?ll\s+try\b"
    r"|\b(?:is\s+|was\s+|got\s+)?(?:move|moved|push|pushed|postpone|postponed|reschedule|rescheduled)\s+(?:to|until|till)\b"
    r"|\bby\s+mistake\b|\bstill\s+(?:in|at|on|waiting|looking|trying|working)\b|\bnobody\s+(?:can|could|was|answered)\b"
    r"|\bno\s+(?:luck|answer|reply|one\s+answered)\b|\bwrong\s+(?:size|one|colou?r|item|model)\b|\bsending\s+it\s+back\b"
    r"|\b(?:broken|damaged|faulty|blocked|stuck)\b|\bwaiting\s+(?:on|for)\b|\bcancel+e?d\b|\bcancld\b|\bout\s+of\s+sto\w*"
    r"|\bon\s+hold\b|\bneeds?\s+(?:a\s+|an\s+)?(?:new|another|more)\b"
)
NEEDS_NOTE = _compile(
    r"^(?P<target>.+?)\s+(?:please\s+)?(?:put|add|leave|write)\s+a\s+note\s+(?:that|saying|:)\s*(?P<value>.+)$|"
    r"^(?P<target_needs>.+?)\s+(?:needs|gets|should\s+have|could\s+use|wants)\s+(?:a\s+|some\s+|the\s+|more\s+)?"
    r"(?:notes?|details|description|comment)\s*:?\s*(?P<value_needs>.+)$"
)
ADD_NOTE = _compile(
    r"^(?:add|put|attach|give|write|set|leave|stick)\s+(?:a\s+|the\s+|some\s+|this\s+)?(?:\w+\s+){0,2}?(?:notes?|details"
    r"|description|comment)\s+(?:to|on|for)\s+(?P<target>.+?)\s*(?::|,?\s*\bsaying\b(?:\s+that)?|\bthat\s+says\b|\s+says?\b)"
    r"\s*(?P<value>.+)$"
)
NOTE_ON = _compile(
    r"^(?:notes?|details|description)\s+(?P<target_number>(?:task\s+|#|number\s+)?\d+)\s*:\s*(?P<value_number>.+)$|"
    r"^(?:a\s+|the\s+|and\s+a\s+)?(?:notes?|details|description)\s+(?:for|on|to)\s+(?!self\b)(?P<target>.+?)\s*:\s*(?P<value>.+)$"
    r"|^(?!(?:mental|quick|side|short|little|small)\s)(?P<target_first>.+?)(?:'s)?\s+(?:notes?|description|details)\s*:\s*"
    r"(?P<value_first>.+)$"
)
REMIND_AT = _compile(
    r"^(?:please\s+)?remind\s+me\s+(?P<when>(?:at|on|by|in|tomorrow|tonight|today|this|next|every)\b.*?)\s+"
    r"(?:to|about)\s+(?P<what>.+)$"
)
SUFFIX_TARGET = _compile(r"\s+(?:in|on|for|of)\s+(?:task|#|number|item)\s*#?\s*(?P<number>\w+)$")
CLEAR_NOTE = _compile(
    r"^(?:remove|clear|delete|erase|drop|wipe|empty|rm|scrap|ditch|bin)\s+(?:out\s+)?(?:the\s+|its\s+|that\s+)?"
    r"(?:notes?|description|details|comment)(?:\s+(?:from|on|of|for|in|off)\s+(?P<target>.+))?$"
)
HAVE_ON_LIST = _compile(
    r"^(?:do|did)\s+(?:i|we)\s+(?:still\s+)?(?:have|got)\s+(?P<what>(?!any\b|anything\b).+?)\s+(?:on|in)\s+(?:my|the)\s+"
    r"(?:\w+\s+)?list$|^(?:is|are)\s+(?P<what2>.+?)\s+still\s+(?:on|in)\s+(?:(?:my|the)\s+(?:\w+\s+)?list|there)$"
)
DID_I_FINISH = _compile(r"^did\s+(?:i|we)\s+(?:already\s+)?(?:finish|complete|do|tick\s+off|check\s+off)\s+(.+)$")
REPLACE_NOTE = _compile(r"^(?:the\s+)?\w+\s+(?:on|of|for|in)\s+(?P<target>.+?)\s+with\s*:?\s*(?P<value>.+)$")
WENT_TO_DO = _compile(r"\bwent\s+to\s+(?:" + "|".join(sorted(TASK_VERBS)) + r")\b")
RELAYED = _compile(
    r"^(?:my\s+)?\w+(?:\s+\w+)?\s+(?:says|said|wants\s+me\s+to|asked\s+me\s+to|told\s+me\s+to)\s*:?\s+"
    r"(?=(?:add|put|remind|delete|remove|mark|change|rename)\b)"
)
PREFIX_TARGET = _compile(r"^(?:in|for|on)?\s*(?:task|#|number|item)\s*#?\s*(?P<number>\w+)\s*[:,]\s*(?=\S)")
GREETING = _compile(
    r"^(?:hi|hello|hey|hiya|howdy|yo|greetings|good\s+(?:morning|afternoon|evening|day)|morning|evening"
    r"|how\s+are\s+you|how's\s+it\s+going|what's\s+up|sup)\b"
)
THANKS = _compile(r"\b(?:thanks|thank\s+you|cheers|much\s+appreciated|you're\s+a\s+(?:star|lifesaver|legend))\b")
HELP = _compile(
    r"^(?:help|what\s+can\s+you\s+do|what\s+do\s+you\s+do|how\s+does\s+this\s+work|how\s+do\s+i\s+use|commands"
    r"|who\s+are\s+you|what\s+are\s+you|what\s+can\s+i\s+(?:say|ask)|what\s+are\s+your\s+(?:features|commands))\b"
)
CANCEL = _compile(r"^(?:never\s*mind|nvm|cancel|forget\s+it|neither|none(?:\s+of\s+them)?|no|nope|nothing|stop)$")
REMINDER_REQUEST = _compile(
    r"\b(?:text|sms|email|e-mail|ping|notify|alert|call|message|wake|buzz|phone|telephone|ring)\s+me\b|\bsend\s+me\b"
    r"|\b(?:send|share|forward|email|text)\s+(?:this|the|my|our)\s+(?:whole\s+)?(?:list|tasks)\b"
    r"|^(?:send|text|email|message|call|phone|ring)\b(?:\s+\w+){0,5}\s+for\s+me\b"
    r"|\b(?:send|give)\s+me\s+(?:a\s+)?(?:notification|push)\b|\bpush\s+notifications?\b"
    r"|\bset\s+(?:a|an|up\s+a|up\s+an)\s+(?:reminder|alarm|timer)\b"
)
UNDO = _compile(
    r"\b(?:undo|revert|undelete|restore|roll\s+back)\b|\b(?:bring|put|get)\s+(?:it|that|them|this)\s+back\b"
    r"|\btake\s+(?:that|it)\s+back\b"
)
REOPEN = _compile(
    r"\b(?:mark(?:ed)?|tick(?:ed)?|check(?:ed)?)\s+(?:it\s+|that\s+)?(?:as\s+)?(?:done|complete|completed|off)\s+"
    r"(?:by\s+mistake|by\s+accident|accidentally|wrongly|too\s+early)|"
    r"\b(?:reopen|re-open|un-?mark|un-?check|un-?tick|un-?complete|un-?finish|un-?do\s+(?:the\s+)?(?:tick|check))\b|^(?:mark|set|make|flag|change|put|move)\b.*\b(?:as\s+|to\s+|back\s+to\s+)?"
    r"(?:not\s+(?:yet\s+)?(?:done|complete|completed|finished)|undone|incomplete|unfinished|pending|open|to\s*do|uncompleted)"
    r"(?:\s+(?:again|please|now|yet|after\s+all))*$"
)
NUMBER_QUESTION = _compile(
    r"\b(?:what|which)(?:'s|\s+is)?\s+(?:the\s+)?(?:number|no|#|id)\b|\bwhich\s+(?:task|one)\s+(?:number\s+)?is\b"
    r"|\bwhat\s+number\b"
)
TASK_QUESTION = _compile(
    r"\b(?:look\s+like|say|says|about|details\s+of)\b|^what(?:'s|\s+is|\s+was)\s+(?:on\s+)?(?:task|#|number)"
)
STATUS_QUESTION = _compile(
    r"\b(?:done|complete|completed|finished|open|pending|still\s+(?:open|pending|to\s+do|there)|outstanding|left"
    r"|ticked|checked)\b"
)


# "show more", "next page", "the rest of them", "keep going": the next page of the list last shown.
# ("remaining" is not here: "the remaining tasks" are the pending ones.)
MORE = _compile(
    r"^(?:(?:and|also|ok|okay|so)\s+)?(?:(?:show|list|display|view|see|give|get|read|print|tell)\s+(?:me\s+|us\s+)?)?"
    r"(?:(?:the\s+)?(?:next|rest)(?:\s+(?:\d+|one|ones|page|batch|few|lot|tasks?|items?|todos?))*"
    r"(?:\s+of\s+(?:them|those|it|the\s+(?:tasks|list)|my\s+(?:tasks|list)))?"
    r"|(?:some\s+|any\s+)?more(?:\s+(?:tasks|items|todos|of\s+them|of\s+those|of\s+(?:the|my)\s+(?:tasks|list)))?"
    r"|keep\s+going|go\s+on|carry\s+on|continue)(?:\s+(?:please|then|too|thanks))*$"
)


@dataclass(frozen=True)
class Clause:
    """One clause of a message: its text after the opening niceties, and how it was said."""

    text: str
    tokens: tuple[str, ...]
    question: bool
    continued: bool  # opened with "and", "also", "oh and", "plus"
    prefix: Target  # "in task 2, ..." / "task 3: ..."


Reading = tuple[float, Request]


def understand(message: str, *, after_add: bool = False) -> list[Request]:
    """The requests in `message`, in the order they were said. `after_add`: the previous turn
    added tasks, so "also X" or "and X" adds another."""
    return list(_understand(message, after_add))


@lru_cache(maxsize=1024)
def _understand(message: str, after_add: bool) -> tuple[Request, ...]:
    """Cached: every model call of a turn rereads the same message."""
    return tuple(_requests(message, after_add=after_add))


def _requests(message: str, *, after_add: bool) -> list[Request]:
    text = normalise(message)
    if not any(character.isalnum() for character in text):
        return [Request("chat", topic="unclear")]
    if INJECTION.search(text):
        return [Request("refuse")]
    requests: list[Request] = []
    for clause in _clauses(text):
        adding = after_add or any(request.kind == "add" for request in requests)
        request = _read(clause, after_add=adding)
        if request is not None:
            requests.append(request)
    requests = _bind_targets(requests)
    actions = [request for request in requests if request.kind not in {"chat", "target"}]
    if actions:
        # A leading clause that only names a task may answer last turn's "which one?" ("Dana's.
        # Also 4 is done."); `answer_question` drops it when nothing was asked.
        return requests[:1] + actions if requests[0].kind == "target" else actions
    # Alone, a clause that only names a task may answer "which one?"; among other clauses it
    # is noise ("I hope you're having a lovely day").
    targets = [request for request in requests if request.kind == "target"]
    chat = [request for request in requests if request.kind == "chat"]
    if not chat and not targets:
        lowered = text.lower()
        if GREETING.match(lowered):
            chat = [Request("chat", topic="greeting")]
        elif THANKS.search(lowered):
            chat = [Request("chat", topic="thanks")]
    if len(targets) == 1 and not chat:
        return targets
    return chat[:1] or [Request("chat", topic="unclear")]


def _clauses(text: str) -> list[Clause]:
    quotes: list[str] = []

    def hide(match: re.Match[str]) -> str:
        quotes.append(match.group(0))
        return f"\x00{len(quotes) - 1}\x00"

    hidden = QUOTED.sub(hide, text)
    clauses = []
    for sentence in SENTENCE_BREAK.split(hidden):
        for part in CLAUSE_BREAK.split(sentence):
            restored = re.sub(r"\x00(\d+)\x00", lambda match: quotes[int(match.group(1))], part or "")
            clause = _clause(restored)
            if clause is not None:
                clauses.append(clause)
    return clauses


HEAD_VOCABULARY = COMMANDS | frozenset({"remind", "remember", "forget", "need", "gotta"})
TEXTING_TO = _compile(r"\b(me|need|have|got|want|going|able|try)\s+2\s+(?=[a-z])")


def _correct_head(text: str) -> str:
    """The first word, if a typo of a command or marker word, spelled right ("remnd me to")."""
    head = re.match(r"[\w'-]+", text)
    if head is None:
        return text
    word = head.group(0).lower()
    corrected = is_word(word, HEAD_VOCABULARY)
    return corrected + text[head.end() :] if corrected and corrected != word and word not in FILLER_WORDS else text


def _clause(raw: str) -> Clause | None:
    question = raw.rstrip().endswith("?")
    text = TEXTING_TO.sub(r"\1 to ", raw.strip(" \t,.;!?"))
    continued = False
    prefix = Target()
    while True:
        lowered = text.lower()
        first = words(lowered[:20])[:1]
        if first and first[0] in {"and", "also", "plus"} or re.match(r"^\W*oh\s+(?:and|also)\b", lowered):
            continued = True
        if match := OPENING_PHRASES.match(text):
            text = text[match.end() :]
        elif (
            first
            and re.sub(r"(.)\1{2,}", r"\1", first[0]) in FILLER_WORDS
            and not re.match(r"^\W*(?:first|next|last)\s+(?:one|item|task|thing|on|in)\b", lowered)
            and len(words(text)) > 1
            and not _starts_command(text)
            and not _starts_marker(text)
            and not MORE.match(lowered)  # "next page"
        ):
            text = re.sub(r"^\W*[\w']+[\s,!.:]*", "", text, count=1)
        elif match := RELAYED.match(text):  # "mom says add: ..."
            text = text[match.end() :]
        elif match := PREFIX_TARGET.match(text):
            value = number_value(match["number"])
            if value is None:
                break
            prefix = Target(numbers=(value,))
            text = text[match.end() :]
        else:
            break
        text = text.strip(" \t,.;!?")
    text = _correct_head(_skip_politeness(text))
    tokens = tuple(words(text))
    if not tokens or (
        all(re.sub(r"(.)\1{2,}", r"\1", token) in FILLER_WORDS for token in tokens) and not MORE.match(text.lower())
    ):
        return None
    return Clause(text=text, tokens=tokens, question=question, continued=continued, prefix=prefix)


def _starts_command(text: str) -> bool:
    head = words(text)[:1]
    return bool(head) and head[0] in {"done", "add", "finished", "one"} and len(words(text)) > 1


def _starts_marker(text: str) -> bool:
    return bool(ADD_MARKER.match(text))


REQUEST_MARKER = _compile(
    r"\b(?:if\s+you\s+(?:could|can|would|will|don't\s+mind)|(?:could|can|would|will)\s+you|would\s+you\s+mind"
    r"|you\s+(?:could|can|might)|please|kindly|might\s+i|may\s+i|could\s+i|can\s+i)\b"
    r"(?:\s+(?:please|kindly|just|possibly|quickly|also|maybe|perhaps|be\s+a\s+dear\s+and|terribly|pop\s+and))*\s+"
)


def _skip_politeness(text: str) -> str:
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


def _read(clause: Clause, *, after_add: bool) -> Request | None:
    readings = [reading for reader in READERS if (reading := reader(clause, after_add)) is not None]
    if not readings:
        return None
    score, request = max(readings, key=lambda reading: reading[0])
    if clause.prefix.named and (not request.target.named or request.target.pronoun):
        request = replace(request, target=clause.prefix)
    return request


def _head(clause: Clause, vocabulary: frozenset[str] = COMMANDS) -> str | None:
    """The command word the clause opens with, typos and "-ing" forms forgiven ("showing me")."""
    word = clause.tokens[0]
    if (found := is_word(word, vocabulary)) or not word.endswith("ing") or len(word) < 6:
        return found
    return is_word(word[:-3], vocabulary) or is_word(word[:-3] + "e", vocabulary)


def _rest(text: str, skip: int = 1) -> str:
    """`text` without its first `skip` words."""
    return re.sub(rf"^\W*(?:[\w'#+-]+\W*?\s*){{{skip}}}", "", text, count=1).strip(" ,:;")


def _unquote(text: str) -> str:
    text = text.strip().strip(" ,;:.!?")
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].strip()
    return text.strip("\"'").strip()


# Readers: each returns (score, request) when the clause reads as its intent.


def read_refusals(clause: Clause, after_add: bool) -> Reading | None:
    text = clause.text
    if UNDO.search(text):
        named = read_target(text)
        if named.numbers and re.search(r"\b(?:completion|complete|done|tick|check|finished)\b", text.lower()):
            return 0.97, Request("reopen", target=named)  # "undo the completion on #4"
        return 0.97, Request("undo")
    if REOPEN.search(text) and (not clause.question or REOPEN.match(text)):
        return 0.96, Request("reopen", target=read_target(REOPEN_WORDS.sub(" ", text)))
    if REMINDER_REQUEST.search(text) and not text.lower().startswith(("remind me to", "remind me about")):
        return 0.96, Request("unsupported", topic="reminder")
    if re.search(
        r"\b(?:repeat|repeating|recurring|recur)\b|\bevery\s+(?:day|week|month|morning|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
        text.lower(),
    ) and not _head(clause, frozenset(ADD_VERBS)):
        return 0.96, Request("unsupported", topic="repeat")
    asked = words(text.partition(":")[0])  # what follows a colon is a note's or a title's text
    due = set(asked) & DUE_WORDS and (clause.question or _head(clause, frozenset(UPDATE_VERBS)))
    explicit = DUE_REQUEST.search(" ".join(asked)) or any(is_word(word, PRIORITY) for word in asked)
    if (due or explicit) and not (_head(clause, frozenset(ADD_VERBS)) or ADD_MARKER.match(text)):
        return 0.96, Request("unsupported", topic="due")
    return None


def read_question(clause: Clause, after_add: bool) -> Reading | None:
    tokens = clause.tokens
    if not (clause.question or tokens[0] in QUESTION_OPENERS or tokens[:2] in {("so", "what"), ("and", "what")}):
        return None
    if (
        not clause.question
        and tokens[0] in {"did", "do", "does", "have", "has", "was", "were"}
        and (
            len(tokens) < 2
            or tokens[1] not in {"i", "you", "we", "they", "it", "he", "she", "my", "the", "that", "this"}
        )
    ):
        return None  # "did #3 on the bus": a story, not a question
    if tokens[0] in REQUEST_OPENERS or (tokens[0] in {"do", "would"} and "you" in tokens[1:3]):
        return None  # "can you add ...": a request
    text = clause.text
    lowered = text.lower()
    if HELP.match(lowered):
        return 0.9, Request("chat", topic="help")
    if match := HAVE_ON_LIST.match(lowered):  # "do I still have scantrons on my list?", "is X still on my list?"
        asked = read_target(match["what"] or match["what2"] or "")
        if asked.words or asked.numbers:
            return 0.88, Request("ask_task", target=asked)
    if re.search(r"\bhow\s+(?:many|much)\b|\b(?:count|total|tally)\b|\bnumber\s+of\b", lowered):
        return 0.88, Request("count", status=read_status(list(tokens)))
    if NUMBER_QUESTION.search(lowered):
        if (asked := read_target(_question_subject(lowered))).numbers:
            return 0.87, Request("ask_task", target=asked)  # "which task is number three?"
        subject = re.sub(
            r".*?\b(?:number|no|#|id)\b(?:\s+(?:is|of|for))?|.*?\bwhich\s+(?:task|one)\s+(?:number\s+)?is\b",
            "",
            lowered,
            count=1,
        )
        return 0.88, Request("ask_number", target=read_target(subject))
    if match := DID_I_FINISH.match(lowered):
        asked = read_target(match.group(1))
        if asked.named:
            return 0.88, Request("ask_status", target=asked, status="completed")
    # "is the gate fixed?": a past form at the end asks whether it is done.
    finished = tokens[0] in {"is", "are", "was", "were", "has", "have"} and _is_past(tokens[-1])
    target = read_target(_question_subject(" ".join(tokens[:-1]) if finished else lowered))
    specific = target.named and not target.everything
    if set(tokens) & NOTE_FIELDS and target.named and not re.search(r"\blook\s+like\b", lowered):
        return 0.88, Request("ask_note", target=target)
    if (
        specific
        and (finished or STATUS_QUESTION.search(lowered))
        and re.search(r"\b(?:is|are|was|were|has|have|did|'s)\b|^(?:what\s+about|and)\b", lowered)
    ):
        return 0.87, Request("ask_status", target=target, status=read_status(list(tokens), default="completed"))
    if specific and (target.numbers or target.ordinal or target.last_added or TASK_QUESTION.search(lowered)):
        return 0.86, Request("ask_task", target=target)
    if _asks_for_list(tokens, lowered, named=bool(target.words)):
        return 0.85, Request("show", status=read_status(list(tokens)))
    if specific and re.match(r"^(?:what|which)(?:'s|\s+is|\s+was)\b", lowered):
        return 0.84, Request("ask_task", target=target)  # "what's the dentist one?", "what's on the X task?"
    return 0.3, Request("chat", topic="question")


def _question_subject(lowered: str) -> str:
    """The part of a question that names the task: "is the plumber one done" -> "the plumber one"."""
    subject = re.sub(
        r"\b(?:what|what's|whats|which|how|is|are|was|were|does|did|do|has|have|about|look|like|say|says|tell|me"
        r"|still|done|completed?|finished|open|pending|left|outstanding|yet|now|there|the\s+(?:notes?|details"
        r"|description)|notes?|details|description|on|of|for|with|its|it's|status|again|anything|ticked|checked"
        r"|off|already|i|my|so|far|currently|right|at\s+the\s+moment|see|view|show|might|may|can|could|get|got|know"
        r"|remains?|remaining|any|all|and|in|total|count|by|the\s+way)\b",
        " ",
        lowered,
    )
    return subject


def _asks_for_list(tokens: tuple[str, ...], lowered: str, *, named: bool = False) -> bool:
    """A question about the list as a whole; `named`: it also names a task by its words."""
    if (set(tokens) & LIST_NOUNS and not named) or re.search(
        r"\b(?:left|remaining|remains?|pending|open|outstanding|to\s+do|on\s+my|on\s+there|so\s+far|next"
        r"|should\s+i\s+do|do\s+i\s+have|have\s+i\s+got)\b",
        lowered,
    ):
        return True
    return bool(re.search(r"\b(?:what|anything)\b.*\b(?:did|have|has)\s+i\b|\bwhat\s+(?:did|have)\s+i\b", lowered))


def read_command(clause: Clause, after_add: bool) -> Reading | None:
    """A clause that opens with a command verb: add, mark, delete, rename, show..."""
    text, tokens = clause.text, clause.tokens
    lowered = text.lower()
    if lowered.startswith(("get rid of", "take off")):
        return 0.9, Request("delete", target=read_target(_rest(text, 3 if lowered.startswith("get") else 2)))
    if re.match(r"^take\s+.+\s+off\b", lowered):
        return 0.9, Request("delete", target=read_target(re.sub(r"^take\s+|\s+off\b.*$", "", lowered)))
    if re.match(r"^(?:note|write|jot|scribble)\s+(?:this\s+|that\s+|it\s+)?down\b", lowered):
        return 0.9, _read_add(re.sub(r"^\w+\s+(?:this\s+|that\s+|it\s+)?down\b\s*:?\s*", "", text, flags=re.IGNORECASE))
    if tokens[0] in {"count", "tally"}:
        return 0.88, Request("count", status=read_status(list(tokens)))
    head = _head(clause)
    if head is None:
        return None
    rest = _rest(text)
    if head in ADD_VERBS:
        if head == "new" and not re.match(r"^new\s+(?:task|todo|to-do|item|reminder)", lowered):
            return None
        if head in {"put", "pop", "stick", "bung", "slap"} and not re.search(
            r"\b(?:on|onto|to|in)\s+(?:my|the|that)\s+(?:\w+\s+)?list\b|\bon\s+there\b|^\w+\s+(?:down|in)\b|:", lowered
        ):
            return None  # "put the table saw up on marketplace": a story
        return 0.9, _read_add(re.sub(r"^(?:down|in)\b\s*", "", rest))
    if head in {"tick", "check", "cross"}:
        if not re.search(r"\boff\b", lowered):
            target = read_target(rest)  # "tick 3", "tick them"; "check the oven" is a task
            if head != "cross" and (target.numbers or target.pronoun):
                return 0.85, Request("complete", target=target)
            return None
        return 0.9, Request("complete", target=read_target(re.sub(r"\boff\b", " ", rest)))
    if head in {"mark", "flag", "set", "make"} and (
        set(tokens[1:]) & DONE or re.search(r"\bas\s+(?:complete|done|finished)\b", lowered)
    ):
        return 0.9, Request("complete", target=read_target(_before_done(rest)))
    if head in {"mark", "flag"}:
        return 0.6, Request("complete", target=read_target(rest))
    if head in COMPLETE_VERBS:
        if head == "done" and len(tokens) == 1:
            return None
        return 0.9, Request("complete", target=read_target(re.sub(r"^(?:with|off)\b", "", rest)))
    if head in DELETE_VERBS:
        if set(tokens) & FIELDS:
            return None  # "remove the note from X": an edit
        if head == "cancel" and not read_target(rest).named:
            return None
        target = read_target(re.sub(r"^(?:out|off|away)\b", "", rest))
        return (0.9 if target.named or not rest else 0.5), Request("delete", target=target)
    if head in UPDATE_VERBS:
        return _read_update(head, rest)
    if head in SHOW_VERBS and re.search(r"\bhow\s+(?:many|much)\b", lowered):
        return 0.9, Request("count", status=read_status(list(tokens)))
    if head in SHOW_VERBS and set(tokens) & NOTE_FIELDS:
        target = read_target(" ".join(word for word in words(rest) if word not in NOTE_FIELDS and word != "me"))
        if target.named:
            return 0.88, Request("ask_note", target=target)  # "read me task one's note"
    if head in SHOW_VERBS:
        if head in {"give", "tell", "read", "print"} and not (set(tokens) & (LIST_NOUNS | {"me"})):
            return None
        subject = [word for word in words(rest) if not is_word(word, LIST_VOCABULARY) and word not in NEGATIONS]
        target = read_target(" ".join(subject))
        if target.numbers or target.words:
            return 0.88, Request("ask_task", target=target)  # "show me task 2 with its note"
        return 0.9, Request("show", status=read_status(list(tokens)))
    if head in UNDO_WORDS:
        return 0.95, Request("undo")
    return None


def _before_done(text: str) -> str:
    return re.sub(r"\s+(?:as\s+)?(?:done|complete|completed|finished)\b.*$", "", text, flags=re.IGNORECASE)


def _read_update(head: str, rest: str) -> Reading | None:
    if (suffix := SUFFIX_TARGET.search(rest)) and (number := number_value(suffix["number"])) is not None:
        reading = _read_update(head, rest[: suffix.start()])
        if reading is not None and not reading[1].target.named:
            return reading[0], replace(reading[1], target=Target(numbers=(number,)))
        return reading
    lowered = rest.lower()
    if head == "swap" or (head == "replace" and not set(words(lowered.split(" with ")[0])) & FIELDS):
        joiner = r"\s+(?:for|with)\s+" if head == "swap" else r"\s+with\s+"
        pieces = re.split(joiner, rest, maxsplit=1)
        if len(pieces) != 2:
            return None
        old_target = read_target(pieces[0])
        if old_target.numbers and not pieces[0].strip().startswith(("'", '"')):
            return 0.9, Request("update", target=old_target, title=capitalise(_unquote(pieces[1])))
        return 0.9, Request("update", replace=(_unquote(pieces[0]), _unquote(pieces[1])))
    if head == "replace":
        if match := REPLACE_NOTE.match(rest):
            return 0.95, Request("update", target=read_target(match["target"]), description=_unquote(match["value"]))
        return None
    parts = _split_to(rest)
    if parts is None:
        if head in {"rename", "retitle"}:
            return 0.6, Request("update", target=read_target(rest))
        return None
    left, value = parts
    left_words = words(left)
    value_text = _unquote(value)
    if words(value_text) and set(words(value_text)) <= DONE:
        return 0.9, Request("complete", target=read_target(left))
    fields = [is_word(word, FIELDS) for word in left_words]
    target = read_target(" ".join(word for word, field in zip(left_words, fields, strict=True) if not field))
    if any(field in NOTE_FIELDS for field in fields if field):
        return 0.95, Request("update", target=target, description=value_text)
    stripped = left.strip()
    if stripped[:1] in "'\"" and stripped[-1:] in "'\"" and not any(fields):
        return 0.92, Request("update", replace=(_unquote(stripped), value_text))
    if not target.named and not any(field in TITLE_FIELDS for field in fields if field):
        return None
    return 0.92, Request("update", target=target, title=capitalise(value_text))


def _split_to(rest: str) -> tuple[str, str] | None:
    """ "the electrician one to 'call the electrician about X'" -> (target, value): at the "to"
    before a quoted value, else the first "to"."""
    quoted = re.search(r"\s+(?:to|as|into)\s+(?:say\s+|read\s+)?(?=[\"'])", rest)
    if quoted:
        return rest[: quoted.start()], rest[quoted.end() :]
    match = re.search(r"\s+(?:to|as|into)\s+(?:say\s+|read\s+)?|\s*:\s*", rest)
    if match is None or match.start() == 0:
        return None
    return rest[: match.start()], rest[match.end() :]


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
        new, old = _unquote(_strip_article(match["new"])), _unquote(_strip_article(old_text))
        return 0.93, Request("update", target=target, replace=(old, new))
    if match := CALL_IT.match(text):
        groups = {key.split("_")[0]: value for key, value in match.groupdict().items() if value}
        pronoun = groups["target"] in {"it", "that", "this"}
        target = Target(pronoun=True) if pronoun else read_target(groups["target"])
        value = _unquote(groups["value"])
        if {is_word(word, FIELDS) for word in words(groups["target"])} & NOTE_FIELDS:
            return 0.94, Request("update", target=target, description=value)  # "the note on 2 should say: X"
        if not target.named or (groups.get("target") and not value):
            return None
        if set(words(value)) <= DONE:
            return 0.9, Request("complete", target=target)
        return 0.93, Request("update", target=target, title=capitalise(value))
    if match := NOT_NEEDED.match(text):
        target = read_target(match["target"])
        if target.named:
            return 0.88, Request("delete", target=target)
    if match := CORRECTION.match(text):
        new, old = _unquote(_strip_article(match["new"])), _unquote(_strip_article(match["old"]))
        return 0.9, Request("update", target=Target(pronoun=True), replace=(old, new))
    if match := CLEAR_NOTE.match(text):
        target = read_target(match["target"] or "it")
        return 0.95, Request("update", target=target, description="")
    for pattern in (ADD_NOTE, NEEDS_NOTE, NOTE_ON):
        if (match := pattern.match(text)) and not (pattern is not ADD_NOTE and _head(clause, frozenset(ADD_VERBS))):
            groups = match.groupdict()
            said = [groups.get(key) for key in ("target", "target_needs", "target_first", "target_number")]
            target = read_target(next((found for found in said if found), ""))
            values = [groups.get(key) for key in ("value", "value_needs", "value_first", "value_number")]
            value = next((found for found in values if found), "")
            if target.named:
                return 0.95, Request("update", target=target, description=_unquote(value))
    if match := BARE_NOTE.match(text):  # "number 3: add a note 'X'": the task from the prefix or the talk
        value = match["value"] or match["value_it"]
        return 0.92, Request("update", target=Target(pronoun=True), description=_unquote(value))
    if (match := FOR_TARGET_NOTE.match(text)) and (target := read_target(match["target"])).named:
        return 0.7, Request("update", target=target, description=_unquote(match["value"]))
    return None


def _strip_article(text: str) -> str:
    return re.sub(r"^(?:the|a|an|my)\s+", "", text.strip(), flags=re.IGNORECASE)


def read_done_phrases(clause: Clause, after_add: bool) -> Reading | None:
    """ "#4's done as well", "the phone one's done", "done with 9 and 11"."""
    if clause.question or set(clause.tokens) & NEGATIONS:
        return None
    text = clause.text
    if set(clause.tokens) <= DONE | {"as", "now", "too", "all", "also", "yes", "finally"}:
        return 0.5, Request("complete")  # "task 5 - done": the target comes from the clause before
    if match := AND_SO_IS.match(text):
        both = read_target(f"{match['first']}, {match['second']}")
        if both.named:
            return 0.88, Request("complete", target=replace(both, plural=True))
    if match := DONE_WITH.match(text):
        return 0.88, Request("complete", target=read_target(match["target"]))
    if match := SUFFIX_DONE.match(text):
        target = read_target(match["target"])
        if target.named:
            return 0.86, Request("complete", target=target)
    return None


def read_add_markers(clause: Clause, after_add: bool) -> Reading | None:
    """Implicit adds: "need to X", "gotta X", "todo: X", "+ X", "also X" after an add."""
    text = clause.text
    if match := REMIND_AT.match(text):  # "remind me at 6pm to leave": the task, with its time
        return 0.85, _read_add(f"{match['what']} {match['when']}")
    if match := ADD_MARKER.match(text):
        rest = text[match.end() :]
        if again := ADD_MARKER.match(rest):  # "I need to remember to X"
            rest = rest[again.end() :]
        header = text[: match.end()].rstrip(" :")
        if ":" in text[: match.end()] and LIST_HEADER.match(header.lower()) and len(words(header)) <= 5:
            return 0.8, _read_add(f"these: {rest}")
        return 0.8, _read_add(rest)
    if clause.question:
        return None
    if match := INNER_MARKER.search(text):  # "kids have a trip thursday and I still need to sign the slip"
        return 0.7, _read_add(text[match.end() :])
    if match := HAVE_DUE.match(text):  # "I have a lab report due monday"
        return 0.7, _read_add(match["task"])
    told = any(_is_past(token) for token in clause.tokens) or bool(set(clause.tokens) & NEGATIONS)
    if after_add and not told and (clause.continued or re.search(r"\b(?:too|as\s+well)$", text, re.IGNORECASE)):
        return 0.6, _read_add(text)  # "also X", "Vet checkup for Biscuit next week too."
    lead, colon, items = text.partition(":")
    storied = any(_is_past(token) for token in clause.tokens) or set(clause.tokens) & NEGATIONS
    many = len(re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", items.strip())) >= 3
    if colon and many and not storied and len(words(lead)) <= 8:
        return 0.65, _read_add(f"these: {items}")  # "we're moving on the 28th, so: book movers, ..."
    return None


def read_task_verb(clause: Clause, after_add: bool) -> Reading | None:
    """ "call the vet tomorrow morning": a clause opening with a task's verb is a task to add."""
    if clause.question or clause.tokens[0] not in TASK_VERB_SET or len(clause.tokens) < 2:
        return None
    return (0.55 if clause.continued else 0.45), _read_add(clause.text)


def read_story(clause: Clause, after_add: bool) -> Reading | None:
    """ "finally fixed that sink", "the car's washed": something happened to a task. Said with
    "missed", "tried", "haven't", "postponed"... it names a task that is not done."""
    tokens = clause.tokens
    if clause.question or tokens[0] in {"if", "when", "unless", "hope", "hopefully", "wish"}:
        return None
    lowered = clause.text.lower()
    past = [token for token in tokens if _is_past(token)]
    if re.search(r"\b(?:was|were|happened)\s+(?:today|yesterday|this\s+morning|last\s+night|earlier)\b", lowered):
        past = past or ["was"]  # "cake tasting was today"
    if not past and re.search(r"\b(?:yesterday|last\s+night|this\s+morning|earlier\s+today)\b", lowered):
        past = [token for token in tokens if token in TASK_VERB_SET]
    unfinished = [token for token in tokens if token in UNFINISHED_PAST or token in POSTPONE_WORDS]
    negated = bool(set(tokens) & NEGATIONS) or bool(WENT_TO_DO.search(lowered) or UNFINISHED_PHRASE.search(lowered))
    done_word = bool(set(tokens) & {"done", "finished", "completed", "sorted", "finally"})
    if not (past or unfinished or done_word or negated):
        return None
    target = read_target(_story_words(lowered))
    doing = [
        token for token in past if token not in {"showed", "shown", "listed", "said", "told", "mentioned", "added"}
    ]
    if (target.numbers or target.ordinals or target.ordinal) and (doing or done_word) and not (unfinished or negated):
        return 0.5, Request("complete", target=target)  # "I finished task 3", "got the first two"
    if not target.words:
        return None
    if unfinished or negated or re.search(r"\b(?:called|put)\s+off\b|\bhad\s+to\s+(?:push|move|cancel)", lowered):
        called_off = bool(re.search(r"\b(?:cancel+ed|called\s+off|scrapped|dropped)\b", lowered))
        return 0.55, Request("not_done", target=target, topic="called_off" if called_off else "")
    return 0.5, Request("story", target=target)


def _is_past(token: str) -> bool:
    if token in IRREGULAR_PAST and token not in {"read", "put", "set", "shut", "left", "done"}:
        return True
    if token.endswith("d") and token[:-1] in TASK_VERB_SET:  # "bookd", "calld"
        return True
    return len(token) > 4 and token.endswith("ed") and token not in {"need", "feed", "seed", "speed", "bed", "red"}


def _story_words(lowered: str) -> str:
    """The story without the words that only say it happened."""
    return re.sub(
        r"\b(?:finally|just|already|all|yay|woo+|phew|last\s+night|this\s+morning|today|yesterday|took\s+me.*$"
        r"|looks?\b.*$|she\b.*$|he\b.*$|they\b.*$|it\s+was\b.*$|and\s+it\b.*$|straight\b.*$)",
        " ",
        lowered,
    )


def read_chat(clause: Clause, after_add: bool) -> Reading | None:
    lowered = clause.text.lower()
    if HELP.match(lowered):
        return 0.7, Request("chat", topic="help")
    if CANCEL.match(lowered):
        return 0.6, Request("chat", topic="cancel")
    if THANKS.search(lowered):
        return 0.4, Request("chat", topic="thanks")
    if GREETING.match(lowered):
        return 0.4, Request("chat", topic="greeting")
    return None


def read_more(clause: Clause, after_add: bool) -> Reading | None:
    """ "show more", "next page", "the rest": the next page of the list last shown."""
    if MORE.match(clause.text.lower()):
        return 0.95, Request("show_more")
    return None


LIST_ALONE = _compile(
    r"^(?:(?:all|my|the|our)\s+)*(?:(?:pending|open|remaining|outstanding|completed|finished|done|current)\s+)?"
    r"(?:tasks?|todos?|to-?dos?|to\s+dos?|(?:todo|to-do|to\s+do|task)\s+list|list|agenda)(?:\s+please)?$"
    r"|^(?:pending|completed|remaining|outstanding|open|left|done)(?:\s+(?:ones|tasks|items))?$"
)


def read_list_alone(clause: Clause, after_add: bool) -> Reading | None:
    """ "tasks", "my todo list", "pending": a list asked for by its name alone."""
    if LIST_ALONE.match(clause.text.lower()):
        return 0.8, Request("show", status=read_status(list(clause.tokens)))
    return None


def read_target_only(clause: Clause, after_add: bool) -> Reading | None:
    """A clause that only names a task: "3", "the bill one", "the last one I added"."""
    target = read_target(clause.text)
    if clause.prefix.named and not target.named:
        target = clause.prefix
    if not target.named:
        return None
    extra = [token for token in clause.tokens if token not in STOP_WORDS and token not in target.words]
    if clause.question and target.numbers and not extra:
        return 0.5, Request("ask_task", target=target)  # "2?"
    score = 0.35 if not extra or target.numbers or target.ordinal or target.last_added else 0.2
    return score, Request("target", target=target, title=clause.text)


READERS: tuple[Callable[[Clause, bool], Reading | None], ...] = (
    read_refusals,
    read_question,
    read_command,
    read_edit_phrases,
    read_done_phrases,
    read_add_markers,
    read_task_verb,
    read_story,
    read_chat,
    read_list_alone,
    read_more,
    read_target_only,
)


def _read_add(text: str) -> Request:
    """An add: one title or several ("these: A, B and C", "'X' and 'Y'", "milk and eggs"),
    with an optional note ("... with the note 'Y'")."""
    text = text.strip()
    header, colon, items = text.partition(":")
    if colon and items.strip() and len(words(header)) <= 6 and "'" not in header and '"' not in header:
        if LIST_HEADER.match(ADD_PREAMBLE.sub("", header.strip(), count=1).lower() or "these") or not header.strip():
            return _add_request(_split_items(items, listed=bool(header.strip())))
        if not words(ADD_PREAMBLE.sub("", header.strip(), count=1)):
            return _add_request(_split_items(items, listed=False))
    text = ADD_PREAMBLE.sub("", text, count=1)
    text = re.sub(r"^that\s+", "", text, flags=re.IGNORECASE)
    if marker := ADD_MARKER.match(text):  # "jot down that I must phone the surgery"
        text = text[marker.end() :]
    text = re.sub(r"^(?:i|we)\s+(?:must|should|have\s+to|need\s+to|gotta)\s+", "", text, flags=re.IGNORECASE)
    if (match := DESCRIPTION.match(text)) and match["title"].strip():
        titles = _split_items(match["title"], listed=False)
        if len(titles) == 1:
            return Request("add", titles=tuple(titles), description=_unquote(match["description"]))
    return _add_request(_split_items(text, listed=False))


def _add_request(titles: list[str]) -> Request:
    return Request("add", titles=tuple(title for title in titles if title))


def _split_items(text: str, *, listed: bool) -> list[str]:
    quoted = QUOTED.findall(text)
    outside = QUOTED.sub(" ", text)
    if len(quoted) >= 2 and not set(words(outside)) - STOP_WORDS - {"add", "plus", "list", "there"}:
        return [_clean_title(item) for item in quoted]
    if len(quoted) == 1 and not words(outside):
        return [_clean_title(quoted[0])]
    hidden: list[str] = []

    def hide(match: re.Match[str]) -> str:
        hidden.append(match.group(0))
        return f"\x00{len(hidden) - 1}\x00"

    protected = QUOTED.sub(hide, text)
    if len(numbered := [part for part in NUMBERED_ITEM.split(protected) if part.strip()]) > 1:
        listed, protected = True, " ; ".join(numbered)  # "1) finalize the roadmap 2) review the PR"
    parts = [
        ADD_PART_OPENING.sub("", part)
        for part in re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*;\s*", protected)
        if part.strip()
    ]
    if not listed and len(parts) > 1 and not _separate_tasks(parts):
        parts = [protected]
    restored = [re.sub(r"\x00(\d+)\x00", lambda match: hidden[int(match.group(1))], part) for part in parts]
    return [title for title in (_clean_title(part) for part in restored) if title]


NUMBERED_ITEM = _compile(r"(?:^|\s+)\(?\d{1,2}[).]\s+")
# "..., and I really must telephone the bank": the opening of a further item
ADD_PART_OPENING = _compile(
    r"^(?:i\s+)?(?:also\s+|really\s+|still\s+)*(?:must|need\s+to|have\s+to|should|gotta|got\s+to)\s+"
)


def _separate_tasks(parts: list[str]) -> bool:
    """Whether "A, B and C" are several tasks: each opens with a task verb ("call mom, pick up
    dry cleaning and book a dentist"), or all are short noun phrases ("milk and eggs"); "wash
    sheets and towels" is one task."""
    heads = [words(part)[:1] for part in parts]
    verbs = [bool(head) and _task_verb(head[0]) for head in heads]
    if len(parts) >= 3:
        return True  # "buy the lamb shoulder, shallots and a good bottle of port"
    if len(parts) == 2 and verbs[0] and len(words(parts[0])) < 2:
        return False  # "call and book it": one task
    if all(verbs[1:]) or (verbs[0] and len(parts) >= 3 and all(len(words(part)) >= 2 for part in parts)):
        return True
    return not any(verbs) and all(len(words(part)) <= 3 for part in parts)


def _task_verb(word: str) -> bool:
    """A task's verb, also with "re-" ("repaint", "rebook")."""
    return word in TASK_VERB_SET or (word.startswith("re") and word[2:] in TASK_VERB_SET)


def _clean_title(text: str) -> str:
    text = _unquote(text.strip())
    while True:
        stripped = TITLE_TRAILER.sub("", text).strip(" ,.;:!?-")
        if stripped == text:
            break
        text = stripped
    return capitalise(_unquote(text))


TARGETED_KINDS = frozenset({"complete", "delete", "update", "ask_status", "ask_task", "ask_note", "ask_number"})
NAMING_KINDS = frozenset({"target", "story", "not_done"})


def _bind_targets(requests: list[Request]) -> list[Request]:
    """A request that says "it" (or names nothing) takes the task named by the clause just
    before it in the same message: "the last one I added - mark it done", "called mom, mark
    it done". The naming clause is then consumed, so the task is acted on once."""
    bound: list[Request] = []
    for request in requests:
        previous = bound[-1] if bound else None
        if (
            previous is not None
            and previous.kind in NAMING_KINDS
            and previous.target.named
            and request.kind in TARGETED_KINDS
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
        if request.kind in TARGETED_KINDS and request.target.pronoun:
            # "task 2 I marked done by mistake ... make it not done again": "it" is the task named
            # earlier in the message
            named = next((earlier.target for earlier in reversed(bound) if earlier.target.numbers), None)
            if named is not None:
                request = replace(request, target=named)
                if request in bound:
                    continue
        bound.append(request)
    return bound
