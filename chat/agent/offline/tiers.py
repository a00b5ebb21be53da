"""Named precedence tiers: when several readers read a clause, the reading of the highest tier
wins (of equal tiers, the reader listed first in `understand.READERS`). Highest first; a name
given the same value as the one above it is an alias: a reading that ranks equally."""

from enum import IntEnum


class Tier(IntEnum):
    PLAN = 24  # a due date, priority or repeat set, or asked about: outranks "what no tool does"
    UNDO = 23  # "undo that", "undo the completion on #4": said anywhere in the clause
    SPECIAL = 22  # reopen, and what no tool does (reminders sent, repeats, due dates): outranks any command word
    NOTE_EDIT = 21  # a note set or cleared by naming the field
    MORE = 21  # "show more"
    UNDO_VERB = 21  # a clause opening with "undo", "restore"...
    NOTE_PHRASE = 20  # "the note on 2 should say: X"
    RENAME_PHRASE = 19  # "call it X", "I meant X, not Y"
    EDIT = 18  # "change task 2 to X", "replace 'X' with Y"
    COMMAND = 17  # a clause opening with a command verb
    HELP_QUESTION = 17  # "what can you do?"
    QUESTION = 16  # how many, what number, did I finish X, is X still on my list
    DONE_PHRASE = 16  # "done with 9 and 11", "X is done, and so is Y"
    NOT_NEEDED = 16  # "X can go", "X is cancelled"
    STATUS_QUESTION = 15  # is X done?
    TASK_QUESTION = 14  # what's task 3?
    DONE_SUFFIX = 14  # "the phone one's done"
    LIST_QUESTION = 13  # what's left?
    TICK_NUMBER = 13  # "tick 3", "tick them"
    REMIND_AT = 13  # "remind me at 6 to X": a task with its time
    WHAT_IS = 12  # "what's the dentist one?"
    MARKED_ADD = 11  # "need to X", "todo: X"
    LIST_BY_NAME = 11  # "tasks", "my todo list", "pending"
    INNER_ADD = 10  # "... and I still need to X"; "I have a report due monday"
    HELP = 10  # "help"
    NOTE_FOR = 10  # "for the party: X"
    COLON_LIST = 9  # "we're moving, so: book movers, ..."
    MARK_ALONE = 8  # "mark X" without saying done
    RENAME_ALONE = 8  # "rename X" without the new name
    ALSO_ADD = 8  # "also X" after an add
    CANCEL = 8  # "never mind"
    CONTINUED_TASK = 7  # "and call the vet" after another clause
    NOT_DONE_STORY = 7  # "missed yoga"
    STORY = 6  # "finally fixed the sink", "I finished task 3"
    BARE_DONE = 6  # "done" after a clause naming the task
    NUMBER_ALONE = 6  # "2?"
    VAGUE_COMMAND = 6  # "delete" with words that name no task
    TASK_VERB = 5  # "call the vet tomorrow": a task to add
    CHAT = 4  # thanks, greetings
    TARGET = 3  # a clause that only names a task
    ANY_QUESTION = 2  # a question nothing else understood
    VAGUE_TARGET = 1  # a clause naming a task among other words
