"""The offline agent's first stage, normalise: shorthand, emoji, quotes, typo-tolerant command
words, stems and numbers. Pure functions: no database."""

import pytest

from chat.agent.offline.lexicon import COMMAND_VOCABULARY, FIELD_VOCABULARY
from chat.agent.offline.text import is_word, normalise, number_value, ordinal_value, similar, stem, words

COMMANDS = frozenset(COMMAND_VOCABULARY)
FIELDS = frozenset(FIELD_VOCABULARY)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("can u add milk", "can you add milk"),
        ("pls show my list", "please show my list"),
        ("plz delete 3", "please delete 3"),
        ("thx", "thanks"),
        ("call the vet 2moro", "call the vet tomorrow"),
        ("pay rent b4 friday", "pay rent before friday"),
        ("bread n butter", "bread and butter"),
        ("PLS add eggs", "please add eggs"),
        ("book dentist appt", "book dentist appointment"),
    ],
)
def test_texting_shorthand_is_expanded(typed: str, expected: str) -> None:
    assert normalise(typed) == expected


@pytest.mark.parametrize("typed", ["Plan B", "Vitamin D tablets", "Buy an N95 mask", "Pick up Bun from school"])
def test_shorthand_is_only_replaced_as_a_whole_word_and_a_capital_letter_is_kept(typed: str) -> None:
    assert normalise(typed) == typed


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("\U0001f95b\U0001f6d2 add oat milk", "add oat milk"),
        ("buy flowers \U0001f490 for mum \U0001f60d", "buy flowers for mum"),
        ("hey \U0001f44b show my tasks \U0001f64f", "hey show my tasks"),
        ("\U0001f642", ""),
    ],
)
def test_emoji_are_dropped(typed: str, expected: str) -> None:
    assert normalise(typed) == expected


@pytest.mark.parametrize("mark", ["\u2713", "\u2714", "\u2705", "\u2611"])
def test_check_marks_read_as_done(mark: str) -> None:
    assert normalise(f"{mark} 4") == "done 4"
    assert normalise(f"task 2 {mark}") == "task 2 done"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("add \u201cFile taxes\u201d", 'add "File taxes"'),
        ("rename it to \u2018Walk Rex\u2019", "rename it to 'Walk Rex'"),
        ("don\u2019t forget", "don't forget"),
        ("change `milk` to `oat milk`", "change 'milk' to 'oat milk'"),
    ],
)
def test_curly_quotes_and_backticks_become_straight_quotes(typed: str, expected: str) -> None:
    assert normalise(typed) == expected


def test_whitespace_is_collapsed_and_case_kept() -> None:
    assert normalise("  Add   Call   Mom \n tonight ") == "Add Call Mom tonight"


def test_words_are_lower_case_and_keep_hash_plus_and_apostrophes() -> None:
    assert words("Mark #3 done, + Don't-stop!") == ["mark", "#", "3", "done", "+", "don't-stop"]


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("shwo", "show"),
        ("shw", "show"),
        ("compelte", "complete"),
        ("comlpete", "complete"),
        ("delte", "delete"),
        ("dleete", "delete"),
        ("remvoe", "remove"),
        ("renmae", "rename"),
        ("lst", "list"),
        ("ad", "add"),
        ("rm", "remove"),
        ("ls", "list"),
        ("del", "delete"),
        ("mk", "mark"),
    ],
)
def test_typos_of_command_words_are_forgiven(typed: str, command: str) -> None:
    assert is_word(typed, COMMANDS) == command


@pytest.mark.parametrize("word", ["add", "show", "delete", "mark", "rename", "undo"])
def test_command_words_are_themselves(word: str) -> None:
    assert is_word(word, COMMANDS) == word


@pytest.mark.parametrize(
    "word",
    [
        "milk",
        "call",
        "fish",
        "bread",
        "cheese",
        "dentist",
        "water",
        "plan",
        "sell",
        "bone",
        "track",
        "delight",
        "clothes",
        "clean",
        "shop",
        "sent",
        "canceled",
        "dont",
    ],
)
def test_ordinary_words_are_not_corrected_into_commands(word: str) -> None:
    assert is_word(word, COMMANDS) is None


@pytest.mark.parametrize(
    ("typed", "field"), [("titel", "title"), ("descripton", "description"), ("detials", "details")]
)
def test_typos_of_field_words_are_forgiven(typed: str, field: str) -> None:
    assert is_word(typed, FIELDS) == field


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("washed", "wash"),
        ("washing", "wash"),
        ("paid", "pay"),
        ("photos", "photo"),
        ("groceries", "grocery"),
        ("boxes", "box"),
        ("bought", "buy"),
        ("stopped", "stop"),
        ("baked", "bake"),
        ("tried", "try"),
        ("Sam's", "sam"),
    ],
)
def test_word_forms_share_a_stem(a: str, b: str) -> None:
    assert stem(a) == stem(b)


@pytest.mark.parametrize(("a", "b"), [("glass", "glas"), ("bus", "bu"), ("tennis", "tenni"), ("bill", "ball")])
def test_stems_keep_words_that_only_look_inflected(a: str, b: str) -> None:
    assert stem(a) != stem(b)


def test_similar_forgives_one_typo_in_longer_words_only() -> None:
    assert similar(stem("insurence"), stem("insurance"))
    assert similar(stem("pasport"), stem("passport"))
    assert not similar("car", "cat")
    assert not similar("milk", "silk")


@pytest.mark.parametrize(
    ("word", "value"),
    [("3", 3), ("#3", 3), ("three", 3), ("Three", 3), ("3's", 3), ("#12", 12), ("twelve", 12), ("twenty", 20)],
)
def test_number_values(word: str, value: int) -> None:
    assert number_value(word) == value


@pytest.mark.parametrize("word", ["#", "x", "three-ish", "1234567890", "first", "\u0663"])
def test_non_numbers_have_no_value(word: str) -> None:
    assert number_value(word) is None


@pytest.mark.parametrize(
    ("word", "value"), [("first", 1), ("2nd", 2), ("third", 3), ("Fifth", 5), ("10th", 10), ("last", -1)]
)
def test_ordinal_values(word: str, value: int) -> None:
    assert ordinal_value(word) == value
    assert number_value(word) is None
