"""The admin's transcript of a long conversation in a real browser (headless Chromium, the
fixtures of `chat/tests/conftest.py`), at 1400 CSS pixels wide.

A staff member logs in to /admin/ and opens a conversation of 40 turns with tool calls, one of
them failed in every five: a page of 10 turns shows, nothing scrolls sideways, and the next
page follows. The screenshot is the one the README shows:
`SCREENSHOTS_DIR=docs/screenshots .venv/bin/pytest chat/tests/test_chat_admin_browser.py`.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pytest_django.live_server_helper import LiveServer
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import User
from chat.models import Conversation
from chat.persistence import save_turn
from chat.tests.factories import ConversationFactory, tool_turn
from chat.tests.helpers import typed_all

T = TypeVar("T")

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-enough-pass-9"
WIDTH, HEIGHT = 1400, 1300  # tall enough for the screenshot to reach the first failed tool call
TITLES = ["Buy milk", "Call mom", "Pay rent", "Book the dentist", "Renew passport", "Water the ferns", "Fix the sink"]
LONG_NOTE = "compare https://example.com/a-very-long-link-to-a-hardware-store-page-without-any-spaces-in-it-at-all"


def task(number: int, *, completed: bool = False, description: str = "") -> dict[str, Any]:
    title = TITLES[(number - 1) % len(TITLES)]
    return {"id": number, "title": title, "description": description, "completed": completed}


def errand_turn(number: int) -> list[dict[str, Any]]:
    """Turn `number` of the conversation: an add, a list, a completion, an update with a long
    note, or a delete of a task that does not exist (a failed tool call), in turn."""
    added = (number + 4) // 5  # the tasks added so far: one every five turns
    kind = number % 5
    if kind == 1:
        title = task(added)["title"]
        return tool_turn(
            f"add {title.lower()}",
            name="add_task",
            arguments={"title": title},
            result={"success": True, "task": task(added)},
            reply=f'Added task {added}: "{title}".',
        )
    if kind == 2:
        return tool_turn(
            "what's pending?",
            name="list_tasks",
            arguments={"status": "pending"},
            result={"success": True, "tasks": [task(n) for n in range(1, added + 1)]},
            reply="Your pending tasks:\n" + "\n".join(f"{n}. {task(n)['title']}" for n in range(1, added + 1)),
        )
    if kind == 3:
        return tool_turn(
            f"done with task {added}",
            name="complete_task",
            arguments={"task_id": added},
            result={"success": True, "task": task(added, completed=True)},
            reply=f'Marked task {added} "{task(added)["title"]}" as completed.',
        )
    if kind == 4:
        return tool_turn(
            f"add a note to task {added}: {LONG_NOTE}",
            name="update_task",
            arguments={"task_id": added, "description": LONG_NOTE},
            result={"success": True, "task": task(added, completed=True, description=LONG_NOTE)},
            reply=f"Updated task {added}.",
        )
    missing = added + 40
    return tool_turn(
        f"delete task {missing}",
        name="delete_task",
        arguments={"task_id": missing},
        result={"success": False, "error": f"Task {missing} not found", "code": "task_not_found"},
        reply=f"There is no task {missing}.",
    )


def long_conversation(owner: User, turns: int) -> Conversation:
    conversation = ConversationFactory.create(owner=owner, title="add buy milk")
    for number in range(1, turns + 1):
        save_turn(conversation_id=conversation.pk, messages=typed_all(errand_turn(number)))
    return conversation


def wait_for(driver: WebDriver, condition: Callable[[WebDriver], T], message: str) -> T:
    return WebDriverWait(driver, 10).until(condition, message)


def log_in_to_the_admin(driver: WebDriver, base_url: str, user: User, next_path: str) -> None:
    driver.get(f"{base_url}/admin/login/?next={next_path}")
    driver.find_element(By.ID, "id_username").send_keys(user.username)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "#login-form input[type=submit]").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "transcript-heading"), "the conversation page did not open")


def sideways_overflow(driver: WebDriver) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scrolling)."""
    return int(
        driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def turn_numbers(driver: WebDriver) -> list[int]:
    headers = driver.find_elements(By.CSS_SELECTOR, ".transcript .turn-header strong")
    return [int(header.text.removeprefix("Turn ")) for header in headers]


def test_a_long_transcript_fits_1400_pixels_and_pages_by_turn(
    live_server: LiveServer, browser: WebDriver, screenshots: Path, plain_http_cookies: None
) -> None:
    driver = browser
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
    )
    staff = User.objects.create_user(username="grace", password=PASSWORD, is_staff=True, is_superuser=True)
    conversation = long_conversation(User.objects.create_user(username="ada", password=PASSWORD), 40)
    change = f"/admin/chat/conversation/{conversation.pk}/change/"

    log_in_to_the_admin(driver, live_server.url, staff, change)

    assert driver.execute_script("return window.innerWidth") == WIDTH
    assert sideways_overflow(driver) <= 0
    assert turn_numbers(driver) == list(range(1, 11))
    assert driver.find_element(By.CLASS_NAME, "transcript-meta").text.startswith("Turns 1–10 of 40.")
    failed = driver.find_elements(By.CSS_SELECTOR, ".transcript .tool-failed")
    assert len(failed) == 2  # turns 5 and 10
    assert "Task 41 not found (task_not_found)" in failed[0].text
    # The long note wraps inside its turn instead of widening the page.
    note = driver.find_element(By.XPATH, "//div[contains(@class, 'entry user')][contains(., 'hardware-store')]")
    assert note.rect["x"] + note.rect["width"] <= WIDTH
    assert failed[0].rect["y"] + failed[0].rect["height"] <= HEIGHT  # in the screenshot
    driver.save_screenshot(str(screenshots / "admin-transcript.png"))

    driver.find_element(By.CSS_SELECTOR, ".transcript-pages a[rel=next]").click()
    wait_for(driver, lambda d: turn_numbers(d)[:1] == [11], "the next page of turns did not open")
    assert turn_numbers(driver) == list(range(11, 21))
    assert sideways_overflow(driver) <= 0
    # A reply listing tasks keeps its lines.
    replies = [entry.text for entry in driver.find_elements(By.CSS_SELECTOR, ".transcript .assistant .text")]
    assert "Your pending tasks:\n1. Buy milk\n2. Call mom\n3. Pay rent" in replies
