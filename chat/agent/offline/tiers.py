"""Named precedence tiers: when several readers read a clause, the reading of the highest tier
wins (of equal tiers, the reader listed first in `understand.READERS`). Highest first."""

from enum import IntEnum


class Tier(IntEnum):
    UNDO = 23  # "undo that", "undo the completion on #4": said anywhere in the clause
    SPECIAL = 22  # reopen, and what no tool does (reminders sent, repeats, due dates): outranks any command word
    NOTE_EDIT = 21  # a note set or cleared by naming the field; "show more"
    NOTE_PHRASE = 20  # "the note on 2 should say: X"
    RENAME_PHRASE = 19  # "call it X", "I meant X, not Y"
    EDIT = 18  # "change task 2 to X", "replace 'X' with Y"
    COMMAND = 17  # a clause opening with a command verb
    QUESTION = 16  # how many, what number, did I finish X, is X still on my list; "done with 9"
    STATUS_QUESTION = 15  # is X done?
    TASK_QUESTION = 14  # what's task 3?; "the phone one's done"
    LIST_QUESTION = 13  # what's left?; "tick 3"; "remind me at 6 to X"
    WHAT_IS = 12  # "what's the dentist one?"
    MARKED_ADD = 11  # "need to X", "todo: X"; a list asked for by name alone
    INNER_ADD = 10  # "... and I still need to X"; "I have a report due monday"
    COLON_LIST = 9  # "we're moving, so: book movers, ..."
    WEAK_COMMAND = 8  # "mark X" without saying done; "rename X" without the new name; "also X" after an add
    CONTINUED_TASK = 7  # "and call the vet" after another clause; "missed yoga"
    STORY = 6  # "finally fixed the sink"; a bare "done" after a clause naming the task
    TASK_VERB = 5  # "call the vet tomorrow": a task to add
    CHAT = 4  # thanks, greetings
    TARGET = 3  # a clause that only names a task
    ANY_QUESTION = 2  # a question nothing else understood
    VAGUE_TARGET = 1  # a clause naming a task among other words
