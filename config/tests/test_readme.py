"""The README's walkthroughs paste: their shell blocks run as written, in order, in one bash,
against a live server, and print what the README says they print."""

import json
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from pytest_django.live_server_helper import LiveServer

from chat.models import Conversation
from todos.models import Todo

README = Path(settings.BASE_DIR) / "README.md"
README_URL = "http://127.0.0.1:8000"
# The walkthrough sections, in reading order. Install and production blocks are not run.
WALKTHROUGH = (
    "## Try it with curl",
    "## Chat with your todos",
    "### Safe retries: `Idempotency-Key`",
    "### Streaming",
)
END_OF_BLOCK = "@@ end of README block @@"


def sections(text: str) -> dict[str, str]:
    """Each heading line with the text up to the next heading (of any level)."""
    parts = re.split(r"^(#{2,3} .+)$", text, flags=re.MULTILINE)
    return {heading: body for heading, body in zip(parts[1::2], parts[2::2], strict=True)}


def shell_blocks(body: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```$", body, flags=re.MULTILINE | re.DOTALL)


def walkthrough_blocks() -> list[str]:
    found = sections(README.read_text())
    blocks = [block for heading in WALKTHROUGH for block in shell_blocks(found[heading])]
    assert len(blocks) == 4, "a walkthrough block was added or lost: update WALKTHROUGH"
    return blocks


def expected_lines(block: str) -> list[re.Pattern[str]]:
    """The README's `# -> ...` lines of a block as patterns: `…` stands for anything."""
    shown = [line.split("# -> ", 1)[1] for line in block.splitlines() if line.lstrip().startswith("# -> ")]
    return [re.compile(".*?".join(re.escape(part) for part in line.split("…"))) for line in shown]


def assert_shown_in_order(block: str, output: str) -> None:
    lines = iter(output.splitlines())
    for pattern in expected_lines(block):
        assert any(pattern.fullmatch(line) for line in lines), (
            f"the README shows {pattern.pattern!r}, which is not in the output (in order):\n{output[:3000]}"
        )


def test_the_readme_walkthroughs_run_as_written(live_server: LiveServer, transactional_db: None) -> None:
    blocks = walkthrough_blocks()
    script = "set -euo pipefail\n" + "".join(
        f"{block.replace(README_URL, live_server.url)}\necho '{END_OF_BLOCK}'\n" for block in blocks
    )

    done = subprocess.run(  # noqa: S603 (our own README, run on purpose)
        ["bash", "-c", script],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert done.stderr == ""
    outputs = done.stdout.split(END_OF_BLOCK + "\n")
    assert outputs[-1] == ""
    for block, output in zip(blocks, outputs, strict=False):
        assert_shown_in_order(block, output)
    curl, chat, retry, stream = outputs[:4]

    assert "Buy groceries" in curl and "Pay bills" in curl
    conversation = Conversation.objects.get(title="add a task to call the dentist")
    assert str(conversation.pk) in chat  # the id was captured, not copied by hand
    replies = chat.split("\n{", 1)[0]  # up to `echo "$RESPONSE"`: the replies are text, not JSON
    assert "Deleted task 3" in replies and "conversation_id" not in replies
    first, second = retry.splitlines()
    assert json.loads(first) == json.loads(second)  # the retry got the stored response

    owner = conversation.owner
    assert owner.username == "ada"
    titles = dict(Todo.objects.filter(owner=owner).values_list("title", "completed"))
    assert titles.pop("Buy groceries and bread") is True
    assert titles.pop("Pay bills") is True
    assert titles.pop("Renew passport") is False  # once, though sent twice
    assert titles.pop("Water the plants") is False  # by the streamed turn
    assert "Call the dentist" not in titles
    assert Conversation.objects.filter(owner=owner).count() == 3
    assert stream.rstrip().endswith("data: [DONE]")


@pytest.mark.parametrize(
    ("shown", "printed", "matches"),
    [
        ('{"id":"…","name":"Ada"}', '{"id":"6f1c","name":"Ada"}', True),
        ('{"id":"…","name":"Ada"}', '{"id":"6f1c","name":"Bob"}', False),
        ("Added task 3.", "Added task 3.", True),
        ("Added task 3.", "Added task 3. And more", False),
    ],
)
def test_an_example_output_matches_only_what_it_shows(shown: str, printed: str, matches: bool) -> None:
    (pattern,) = expected_lines(f"# -> {shown}")
    assert bool(pattern.fullmatch(printed)) is matches
