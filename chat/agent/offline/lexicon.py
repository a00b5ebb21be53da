"""The offline agent's vocabulary: word classes, not sentences.

Every stage reads its words from here, so widening what the agent understands means adding
words to a class (a command verb, a task verb, a shorthand), never a pattern per sentence.
"""

# Texting shorthand and common contractions, expanded before anything else reads the text.
SHORTHAND = {
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "plse": "please",
    "thx": "thanks",
    "thnx": "thanks",
    "thanx": "thanks",
    "ty": "thanks",
    "tysm": "thanks",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmw": "tomorrow",
    "2day": "today",
    "2nite": "tonight",
    "tonite": "tonight",
    "b4": "before",
    "n": "and",
    "nd": "and",
    "frm": "from",
    "w/": "with",
    "gr8": "great",
    "r": "are",
    "abt": "about",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "msg": "message",
    "wk": "week",
    "pic": "picture",
    "pics": "pictures",
    "bday": "birthday",
    "appt": "appointment",
    "govt": "government",
    "idk": "I don't know",
    "ok": "ok",
    "k": "ok",
    "kk": "ok",
    "okey": "ok",
    "wat": "what",
    "wut": "what",
    "wot": "what",
    "wats": "what's",
    "wat's": "what's",
    "wht's": "what's",
    "whts": "what's",
    "wht": "what",
    "hw": "homework",
    "hav": "have",
    "da": "the",
    "lemme": "let me",
    "gonna": "going to",
    "wanna": "want to",
    "dont": "don't",
    "didnt": "didn't",
    "doesnt": "doesn't",
    "cant": "can't",
    "wont": "won't",
    "isnt": "isn't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "couldnt": "couldn't",
    "wasnt": "wasn't",
    "thats": "that's",
    "ive": "I've",
    "cud": "could",
    "cld": "could",
    "cn": "can",
    "shud": "should",
    "wud": "would",
    "ta": "thanks",
    "luv": "love",
    "txt": "text",
    "dun": "done",
    "dne": "done",
    "chng": "change",
    "chnge": "change",
    "chg": "change",
    "updt": "update",
    "upd8": "update",
    "dlt": "delete",
    "rmv": "remove",
    "cmplt": "complete",
    "l8r": "later",
    "bout": "about",
    "hme": "home",
    "finaly": "finally",
    "whtever": "whatever",
    "mny": "many",
    "bk": "book",
    "pls.": "please",
}

# Misspellings too short for edit distance to find safely.
SHORT_TYPOS = {"ad": "add", "rm": "remove", "del": "delete", "ls": "list", "mk": "mark", "mv": "rename"}

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50,
}  # fmt: skip
ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6, "7th": 7, "8th": 8,
    "9th": 9, "10th": 10, "last": -1,
}  # fmt: skip

# Words that introduce a task number: "task 3", "number three", "#3", "no. 3".
NUMBER_MARKERS = {"task", "tasks", "number", "numbers", "no", "item", "items", "todo", "todos", "#"}

# Command verbs (the first word of an instruction), by the intent they signal. Typos of these
# are recognised by edit distance.
ADD_VERBS = {
    "add", "create", "put", "insert", "include", "append", "jot", "new", "pop", "stick", "bung", "slap", "pencil",
}  # fmt: skip
COMPLETE_VERBS = {"complete", "finish", "done", "tick", "check", "cross", "close", "mark", "flag"}
DELETE_VERBS = {
    "delete", "remove", "erase", "drop", "trash", "scrap", "scratch", "discard", "cancel", "clear", "ditch", "nuke",
    "bin",
}  # fmt: skip
UPDATE_VERBS = {"rename", "retitle", "change", "update", "edit", "modify", "set", "swap", "replace", "reword", "alter"}
SHOW_VERBS = {"show", "list", "display", "view", "see", "read", "print", "give", "tell"}
UNDO_WORDS = {"undo", "revert", "undelete", "restore", "unmark", "uncheck", "untick", "reopen", "unfinish"}
COMMAND_VOCABULARY = ADD_VERBS | COMPLETE_VERBS | DELETE_VERBS | UPDATE_VERBS | SHOW_VERBS | UNDO_WORDS

# Fields of a task, as people name them.
TITLE_FIELDS = {"title", "name", "wording", "text", "heading"}
NOTE_FIELDS = {"note", "notes", "description", "details", "detail", "desc", "comment", "comments"}
FIELD_VOCABULARY = TITLE_FIELDS | NOTE_FIELDS

# Words that say a task is finished, and words that ask for one status of tasks.
DONE_WORDS = {"done", "complete", "completed", "finished", "finish", "sorted", "handled", "dealt"}
PENDING_WORDS = {
    "pending", "open", "left", "remaining", "remains", "remain", "outstanding", "unfinished", "incomplete", "undone",
    "still", "active", "todo", "uncompleted", "unchecked",
}  # fmt: skip
COMPLETED_WORDS = {
    "completed",
    "complete",
    "done",
    "finished",
    "ticked",
    "checked",
    "crossed",
    "accomplished",
    "finish",
}
ALL_WORDS = {"total", "included", "including", "altogether", "overall", "everything", "all"}
LIST_NOUNS = {
    "task", "tasks", "todo", "todos", "list", "lists", "items", "item", "things", "stuff", "agenda", "plate",
    "orders", "errands", "chores", "jobs", "reminders", "board",
}  # fmt: skip

# Base forms of verbs that open a task ("call the vet", "renew my passport"): a clause that
# starts with one, and is no command, is something to do.
TASK_VERBS = {
    "answer", "apply", "arrange", "ask", "attend", "bake", "bathe", "book", "borrow", "bring", "brush", "build",
    "buy", "call", "cancel", "change", "charge", "chase", "check", "choose", "clean", "collect", "confirm",
    "contact", "cook", "copy", "defrost", "deliver", "deposit", "descale", "do", "donate", "download", "drink",
    "drive", "drop", "dust", "email", "e-mail", "empty", "exercise", "feed", "file", "fill", "find", "finish",
    "fix", "fold", "follow", "get", "give", "go", "grab", "hang", "have", "help", "hire", "hoover", "install",
    "invite", "iron", "join", "learn", "leave", "lock", "look", "mail", "make", "meet", "message", "mop", "move",
    "mow", "order", "organise", "organize", "pack", "paint", "pay", "phone", "pick", "plan", "plant", "post",
    "practice", "practise", "prepare", "print", "prune", "reach", "read", "rebook", "recycle", "refill", "register",
    "remind", "renew", "repair", "replace", "reply", "research", "reserve", "respond", "return", "review",
    "ring", "run", "save", "schedule", "sell", "send", "service", "sew", "shop", "sign", "sort", "start",
    "study", "submit", "sweep", "take", "talk", "text", "tidy", "top", "train", "transfer", "trim", "tune",
    "unpack", "update", "upload", "vacuum", "visit", "wash", "watch", "water", "weed", "wipe", "wrap", "write",
    "telephone", "repot", "finalize", "finalise", "draft", "prep", "fetch", "mend", "scan", "label",
    "ship", "measure", "test", "rotate", "notify", "declutter", "shred", "walk", "groom", "vaccinate",
    "forward", "hand", "fax", "photocopy", "pickup", "tell", "taste", "try", "invoice", "bill", "quote", "pitch",
    "compare", "decorate", "assemble", "toss", "throw", "interview", "settle", "vote", "hem", "polish",
}  # fmt: skip

# Real words that are a typo's distance from a command word ("clean"/"clear", "sent"/"set",
# "shop"/"show"): never corrected into one.
NOT_TYPOS = {
    "sent", "clean", "cleaned", "shop", "paint", "charge", "canceled", "cancelled", "dont", "alarm", "mask",
    "park", "marked", "sets", "shows", "shore", "list", "lest", "lift", "last", "lose", "note", "move", "more",
    "mart", "made", "mail", "dine", "done", "gone", "tone", "bone", "cone", "lone", "none", "rename", "add",
    "odd", "aid", "and", "ask", "edit", "exit", "date", "data", "cheap", "close", "chase", "drip", "draw",
    "earn", "learn", "drop", "crop", "shot", "shut", "slow", "snow", "stow", "show", "see", "sew", "few",
    "view", "vie", "tell", "sell", "fell", "bell", "well", "tick", "kick", "pick", "sick", "lick", "trick",
    "check", "chuck", "cross", "gross", "dross", "finish", "finnish", "delete", "remove", "clear", "clears",
    "forgot", "forgotten", "remembered", "reminded", "needed", "need", "needs",
}  # fmt: skip
KNOWN_WORDS = NOT_TYPOS | TASK_VERBS

# Past forms that say something happened, beyond the regular "-ed".
IRREGULAR_PAST = {
    "paid": "pay", "sent": "send", "got": "get", "gotten": "get", "bought": "buy", "brought": "bring",
    "took": "take", "taken": "take", "made": "make", "did": "do", "went": "go", "ate": "eat",
    "wrote": "write", "written": "write", "met": "meet", "found": "find", "gave": "give", "given": "give",
    "sold": "sell", "ran": "run", "fed": "feed", "held": "hold", "kept": "keep", "told": "tell",
    "caught": "catch", "drove": "drive", "driven": "drive", "rode": "ride", "swept": "sweep", "hung": "hang",
    "threw": "throw", "built": "build", "spoke": "speak", "spent": "spend", "won": "win", "sorted": "sort",
    "done": "do", "picked": "pick", "dealt": "deal", "left": "leave", "lent": "lend", "sewn": "sew",
    "mown": "mow", "dug": "dig", "hid": "hide", "shut": "shut", "put": "put", "set": "set", "read": "read",
    "forgot": "forget", "forgotten": "forget", "rang": "ring", "rung": "ring", "swam": "swim", "bled": "bleed",
    "fixed": "fix",
}  # fmt: skip
# Past forms that say something did NOT get done, or is not about doing the task at all.
UNFINISHED_PAST = {
    "tried", "missed", "postponed", "rescheduled", "delayed", "cancelled", "canceled", "skipped", "forgot",
    "failed", "pushed", "moved", "started", "began", "wanted", "needed", "decided", "hoped",
    "added", "created", "attempted", "meant", "considered", "thought",
}  # fmt: skip
NEGATIONS = {
    "not", "never", "nobody", "nothing", "didn't", "didnt", "haven't", "havent", "hasn't", "hasnt",
    "couldn't", "couldnt",
    "wasn't", "wasnt", "isn't", "isnt", "won't", "wont", "can't", "cant", "cannot", "wouldn't", "weren't",
    "aren't", "don't", "dont", "doesn't", "doesnt", "hadn't", "yet", "almost", "nearly",
}  # fmt: skip
# Words that put a task off or call it off: never a completion.
POSTPONE_WORDS = {"postpone", "postponed", "reschedule", "rescheduled", "delay", "delayed", "push", "pushed", "later"}

# Words that carry no meaning for finding a task by its title.
STOP_WORDS = {
    "a", "an", "the", "my", "our", "your", "his", "her", "their", "its", "it", "it's", "this", "that", "these",
    "those", "them", "they", "one", "ones", "task", "tasks", "todo", "todos", "item", "items", "thing", "things",
    "list", "to", "of", "for", "with", "about", "on", "in", "at", "by", "from", "off", "up", "as", "and", "or",
    "but", "so", "is", "are", "was", "were", "be", "been", "has", "have", "had", "i", "i'm", "im", "i've", "ive",
    "me", "you", "we", "he", "she", "just", "now", "also", "too", "please", "thanks", "all", "some", "any",
    "very", "really", "finally", "already", "again", "ok", "okay", "oh", "well", "yes", "yeah", "hey", "hi",
    "number", "no", "entry", "reminder", "called", "named", "there", "here", "what", "which", "whats",
    "what's", "s", "d", "ll", "re", "ve", "will", "would", "could", "should", "can", "do", "did", "does",
    "if", "then", "than", "when", "where", "how", "who", "why", "mine", "got", "get", "out", "into", "over",
    "thingy", "stuff", "bit", "actually", "wait", "oops", "sorry", "today", "yesterday", "last", "night",
    "morning", "afternoon", "evening", "week", "tonight", "still", "more", "another", "other", "same",
}  # fmt: skip
# Very common verbs: a shared one says little about which task is meant.
LIGHT_VERBS = {"get", "go", "do", "make", "take", "call", "buy", "pay", "send", "have", "put", "give", "pick", "check"}

PRONOUNS = {"it", "that", "this", "them", "those", "these", "both", "same"}
PLURAL_PRONOUNS = {"them", "those", "these", "both"}

# Opening words that carry no instruction ("ok so", "hey", "quick one:").
FILLER_WORDS = {
    "ok", "okay", "so", "hey", "hi", "hello", "hiya", "yo", "well", "um", "umm", "uh", "oh", "ah", "and",
    "also", "then", "now", "just", "please", "kindly", "alright", "right", "great", "cool", "nice", "awesome",
    "perfect", "thanks", "actually", "wait", "oops", "quick", "one", "dear", "assistant", "btw", "lol",
    "hmm", "yes", "yeah", "yep", "sure", "plus", "next", "first", "lastly", "finally", "sorry", "ugh", "wow",
    "heyo", "heya", "oi", "shoot", "dang", "damn", "argh", "whoops", "hm", "anyway",
}  # fmt: skip

# Ways to reach the user ("text me", "call me"), which no tool does.
CONTACT_VERBS = {
    "text", "sms", "email", "e-mail", "ping", "notify", "alert", "call", "message", "wake", "buzz", "phone",
    "telephone", "ring",
}  # fmt: skip
# Words of a request for due dates and priorities, which no tool keeps.
DUE_WORDS = {"due", "overdue", "deadline", "deadlines", "priority", "priorities", "urgent", "late"}

QUESTION_OPENERS = {
    "what", "what's", "whats", "which", "how", "is", "are", "was", "were", "do", "does", "did", "has", "have",
    "any", "anything", "when", "where", "who", "why", "whose", "am",
}  # fmt: skip
REQUEST_OPENERS = {"can", "could", "would", "will", "wanna", "mind"}

# Planning words. The agent only finds the span of a date, a repeat or a priority in what is
# said; the service reads the date words in the owner's zone.
WEEKDAY_NAMES = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
}  # fmt: skip
MONTH_NAMES = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}  # fmt: skip
COUNT_WORDS = {"a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
# Words a due date follows in a title ("by friday", "on the 14th"), dropped with it.
DUE_PREFIXES = {"on", "by", "before", "due", "for", "until", "till"}
# Words before a day that make it part of the title ("slides from monday").
NOT_DUE_PREFIXES = {"from", "since", "of", "about", "last", "after", "than", "the", "this", "that"}
# How priorities are said, by the priority they mean.
PRIORITY_PHRASES = {
    "high": ("high priority", "top priority", "urgent", "important", "asap", "priority", "!!!", "!!", "high"),
    "medium": ("medium priority", "normal priority", "medium"),
    "low": ("low priority", "not urgent", "not important", "no rush", "whenever", "low"),
}
