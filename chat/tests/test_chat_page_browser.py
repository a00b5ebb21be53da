"""The chat page in a real browser: headless Chromium from Debian's packages, driven by Selenium.

Sign up, log out and in, add three tasks by chat, complete one by words, see a failure card,
then come back to `/` and open the conversation again from the list. Screenshots go to a
temporary folder, or to `SCREENSHOTS_DIR` when it is set (`docs/screenshots/` holds the ones
the README shows: `SCREENSHOTS_DIR=docs/screenshots .venv/bin/pytest chat/tests/test_chat_page_browser.py`).

The browser and the screenshot folder are fixtures of `chat/tests/conftest.py`, shared with the
admin's browser test: `.ci/run` installs `chromium` and `chromium-driver`; elsewhere the test is
skipped without them.
"""

from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from django.conf import settings
from django.test import Client
from pytest_django.live_server_helper import LiveServer
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.time_zones import local_now
from chat.models import Conversation
from chat.tests.factories import ConversationFactory, add_task_turns, add_turn, chat_turn
from todos.models import Todo
from todos.services import add_task, complete_task

T = TypeVar("T")

PASSWORD = "a-long-enough-pass-9"
WAIT_SECONDS = 10

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(driver: WebDriver, condition: Callable[[WebDriver], T], message: str) -> T:
    return WebDriverWait(driver, WAIT_SECONDS).until(condition, message)


def idle(driver: WebDriver) -> bool:
    app = driver.find_elements(By.ID, "chat-app")
    return bool(app) and app[0].get_attribute("data-state") == "idle"


def texts(driver: WebDriver, selector: str) -> list[str]:
    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, selector)]


def fill(driver: WebDriver, field_id: str, value: str) -> None:
    field = driver.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(value)


def say(driver: WebDriver, message: str) -> None:
    """Type a message and press Enter, as a person would, then wait for the turn and the refreshes."""
    box = driver.find_element(By.ID, "message")
    box.send_keys(message)
    box.send_keys(Keys.ENTER)
    wait_for(driver, idle, f"the turn {message!r} did not finish")


def task_rows(driver: WebDriver) -> list[tuple[str, bool]]:
    """(title, done) of each row, read in one script: the list is redrawn after each change."""
    rows = driver.execute_script(
        "return [...document.querySelectorAll('#task-list .task')].map((row) => ["
        "row.querySelector('.task-title')?.textContent, row.classList.contains('done')])"
    )
    return [(title, done) for title, done in rows]


def viewport(driver: WebDriver, *, width: int, height: int, mobile: bool = False) -> None:
    """Exactly width x height CSS pixels (a window's size includes its frame)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def desktop(driver: WebDriver) -> None:
    viewport(driver, width=1400, height=1000)


def phone(driver: WebDriver) -> None:
    viewport(driver, width=390, height=844, mobile=True)


def test_sign_up_chat_about_tasks_and_find_the_conversation_again(
    live_server: LiveServer, browser: WebDriver, screenshots: Path, plain_http_cookies: None
) -> None:
    driver = browser
    desktop(driver)

    # Anonymous: the chat page sends people to log in, which links to sign up.
    driver.get(live_server.url + "/")
    assert "/accounts/login/" in driver.current_url
    driver.find_element(By.LINK_TEXT, "Create an account").click()
    fill(driver, "id_username", "ada")
    fill(driver, "id_name", "Ada")
    fill(driver, "id_password1", PASSWORD)
    fill(driver, "id_password2", PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for(driver, idle, "the chat page did not load after signing up")
    ada = User.objects.get(username="ada")
    assert driver.find_element(By.ID, "chat-app").get_attribute("data-user-id") == str(ada.pk)
    # The account took the browser's time zone, so the page offers no other.
    assert ada.time_zone == driver.execute_script("return Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert not driver.find_element(By.ID, "time-zone-offer").is_displayed()

    # Log out, and back in.
    driver.find_element(By.XPATH, "//button[normalize-space()='Log out']").click()
    wait_for(driver, lambda d: "/accounts/login/" in d.current_url, "logging out did not lead to the login page")
    fill(driver, "id_username", "ada")
    fill(driver, "id_password", PASSWORD)
    driver.find_element(By.ID, "id_password").send_keys(Keys.ENTER)
    wait_for(driver, idle, "the chat page did not load after logging in")
    assert texts(driver, "#task-list .task") == []
    assert driver.find_element(By.ID, "conversations-empty").is_displayed()

    # By keyboard: the first Tab reaches the skip link, which leads to the message box.
    ActionChains(driver).send_keys(Keys.TAB).perform()
    assert driver.switch_to.active_element.text == "Skip to the message box"
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    assert driver.switch_to.active_element.get_attribute("id") == "message"

    # The message box is labelled; the message list is a live region.
    assert driver.find_element(By.CSS_SELECTOR, "label[for=message]").text == "Message"
    assert driver.find_element(By.ID, "messages").get_attribute("aria-live") == "polite"

    # Three tasks by chat, each shown as a card and in the task list.
    say(driver, "add buy milk, call mom and pay rent")
    wait_for(driver, lambda d: len(task_rows(d)) == 3, "three tasks did not appear in the task list")
    assert task_rows(driver) == [("Buy milk", False), ("Call mom", False), ("Pay rent", False)]
    assert texts(driver, ".message.tool.ok .tool-text") == [
        "Added task 1 \u201cBuy milk\u201d",
        "Added task 2 \u201cCall mom\u201d",
        "Added task 3 \u201cPay rent\u201d",
    ]
    assert driver.find_element(By.ID, "messages").get_attribute("aria-busy") is None  # read out
    conversation = Conversation.objects.get(owner=ada)
    assert f"conversation={conversation.pk}" in driver.current_url

    # Complete one by words; the list shows it done.
    say(driver, "mark the milk one done")
    wait_for(driver, lambda d: ("Buy milk", True) in task_rows(d), "the milk task was not shown done")
    assert "Completed task 1 \u201cBuy milk\u201d" in texts(driver, ".message.tool.ok .tool-text")
    assert Todo.objects.get(owner=ada, number=1).completed

    # A failure is marked as one.
    say(driver, "delete task 9")
    [failed] = driver.find_elements(By.CSS_SELECTOR, ".message.tool.failed")
    assert failed.find_element(By.CLASS_NAME, "tool-failed").text == "Failed:"
    assert failed.find_element(By.CLASS_NAME, "tool-text").text == "Could not delete task 9"
    assert failed.find_element(By.CLASS_NAME, "tool-detail").text == "Task 9 not found."
    assert len(task_rows(driver)) == 3

    driver.find_element(By.ID, "message").send_keys("what's pending?")
    driver.save_screenshot(str(screenshots / "chat-page-desktop.png"))

    # Back to the start page: the conversation is in the list; opening it shows it again,
    # tool cards included, read from the stored record.
    driver.get(live_server.url + "/")
    wait_for(driver, idle, "the chat page did not load again")
    assert texts(driver, ".message") == []
    link: WebElement = wait_for(
        driver,
        lambda d: d.find_element(By.CSS_SELECTOR, f'a[data-conversation-id="{conversation.pk}"]'),
        "the conversation is not in the list",
    )
    assert "add buy milk, call mom and pay rent" in link.text
    link.click()
    wait_for(driver, lambda d: idle(d) and d.find_elements(By.CSS_SELECTOR, ".message.tool"), "it did not open")
    assert link.get_attribute("aria-current") == "page"
    assert texts(driver, ".message.user .text") == [
        "add buy milk, call mom and pay rent",
        "mark the milk one done",
        "delete task 9",
    ]
    assert "Completed task 1 \u201cBuy milk\u201d" in texts(driver, ".message.tool.ok .tool-text")
    assert len(driver.find_elements(By.CSS_SELECTOR, ".message.tool.failed")) == 1
    assert driver.switch_to.active_element.get_attribute("id") == "conversation-title"

    # It continues where it left off, and a reload keeps it open.
    say(driver, "what's pending?")
    assert "Call mom" in driver.find_elements(By.CSS_SELECTOR, ".message.assistant .text")[-1].text
    assert Conversation.objects.filter(owner=ada).count() == 1

    # A read is one quiet folded line, not a card.
    read = driver.find_elements(By.CSS_SELECTOR, ".message.tool.read")[-1]
    assert read.find_element(By.TAG_NAME, "details").get_attribute("open") is None

    # Renamed from the page.
    driver.find_element(By.ID, "rename-conversation").click()
    fill(driver, "rename-title", "Groceries and bills")
    driver.find_element(By.ID, "rename-title").send_keys(Keys.ENTER)
    renamed = "Groceries and bills"
    wait_for(driver, lambda d: idle(d) and d.find_element(By.ID, "conversation-title").text == renamed, "rename")
    assert "Groceries and bills" in link_text(driver, conversation)
    conversation.refresh_from_db()
    assert conversation.title == "Groceries and bills"

    # At phone width (reloaded there, as a phone would load it): one pane at a time, with tabs.
    phone(driver)
    driver.refresh()
    wait_for(driver, lambda d: idle(d) and len(d.find_elements(By.CSS_SELECTOR, ".message.user")) == 4, "reload")
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390  # nothing sideways
    assert driver.find_element(By.ID, "send").is_displayed()
    assert not driver.find_element(By.ID, "task-list").is_displayed()
    driver.save_screenshot(str(screenshots / "chat-page-phone.png"))

    # A change made by chat while the tasks are out of sight is counted on the Tasks tab.
    say(driver, "add water the plants")
    badge = driver.find_element(By.ID, "tasks-badge")
    assert badge.is_displayed() and badge.text == "1"
    tab = driver.find_element(By.ID, "tasks-tab")
    assert tab.get_attribute("aria-label") == "Tasks, 1 change"
    tab.click()
    assert not badge.is_displayed()
    assert ("Water the plants", False) in task_rows(driver)
    assert not driver.find_element(By.ID, "messages").is_displayed()
    driver.save_screenshot(str(screenshots / "chat-page-phone-tasks.png"))


def link_text(driver: WebDriver, conversation: Conversation) -> str:
    return driver.find_element(By.CSS_SELECTOR, f'a[data-conversation-id="{conversation.pk}"]').text


# --- the task panel, the page's height, accessibility ----------------------------------------


def log_in(driver: WebDriver, live_server: LiveServer, user: User) -> None:
    """The session cookie of a logged-in client, given to the browser (the sign-up test logs in
    through the form)."""
    client = Client()
    client.force_login(user)
    driver.get(live_server.url + "/accounts/login/")
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    driver.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": session})
    driver.get(live_server.url + "/")
    wait_for(driver, idle, "the chat page did not load")


def browser_zone(driver: WebDriver, live_server: LiveServer) -> str:
    driver.get(live_server.url + "/accounts/login/")
    return str(driver.execute_script("return Intl.DateTimeFormat().resolvedOptions().timeZone"))


def planned_user(zone: str) -> User:
    """Tasks with due dates around today in the user's zone: overdue, tomorrow at 9:30, today, in
    three days (by weekday, weekly), far off (by date), one without a date, one done."""
    user = UserFactory.create(username="grace", time_zone=zone)
    today = local_now(user).date()
    add_task(owner=user, title="File the taxes", due_date=today - timedelta(days=2), priority="high")
    add_task(owner=user, title="Call the dentist", due_date=today + timedelta(days=1), due_time=time(9, 30))
    add_task(owner=user, title="Pay rent", due_date=today)
    add_task(owner=user, title="Water the plants", due_date=today + timedelta(days=3), recurrence="FREQ=WEEKLY")
    add_task(owner=user, title="Renew the passport", due_date=today + timedelta(days=40), priority="low")
    add_task(owner=user, title="Read a book", description="Something light")
    done = add_task(owner=user, title="Buy milk")
    complete_task(owner=user, number=done.number)
    return user


def row(driver: WebDriver, title: str) -> WebElement:
    return driver.find_element(By.XPATH, f"//li[contains(@class, 'task')][.//label[normalize-space()='{title}']]")


def no_page_scroll(driver: WebDriver) -> bool:
    return bool(driver.execute_script("return document.documentElement.scrollHeight <= window.innerHeight"))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_task_panel_shows_plans_and_changes_tasks(
    live_server: LiveServer, browser: WebDriver, screenshots: Path, plain_http_cookies: None, size: str
) -> None:
    driver = browser
    desktop(driver) if size == "desktop" else phone(driver)
    user = planned_user(browser_zone(driver, live_server))
    today = local_now(user).date()
    log_in(driver, live_server, user)
    if size == "phone":
        # One pane at a time: the Tasks tab shows the tasks.
        assert not driver.find_element(By.ID, "task-list").is_displayed()
        tab = driver.find_element(By.XPATH, "//button[starts-with(normalize-space(), 'Tasks')]")
        tab.click()
    wait_for(driver, lambda d: len(task_rows(d)) == 7, "the tasks did not show")
    assert driver.find_element(By.ID, "task-list").is_displayed()

    # Due dates in words, overdue in red and in words, priority and repeats.
    overdue = row(driver, "File the taxes").find_element(By.CLASS_NAME, "task-due")
    assert overdue.text == "Overdue: " + (today - timedelta(days=2)).strftime("%b %-d")
    assert overdue.value_of_css_property("color") == "rgba(164, 22, 26, 1)"
    assert "High priority" in row(driver, "File the taxes").text
    assert row(driver, "Call the dentist").find_element(By.CLASS_NAME, "task-due").text == "tomorrow 09:30"
    assert row(driver, "Pay rent").find_element(By.CLASS_NAME, "task-due").text == "today"
    plants = row(driver, "Water the plants")
    assert plants.find_element(By.CLASS_NAME, "task-due").text == (today + timedelta(days=3)).strftime("%a")
    assert plants.find_element(By.CLASS_NAME, "task-repeat").text == "\u21bb weekly"
    far = today + timedelta(days=40)
    far_words = far.strftime("%b %-d") + ("" if far.year == today.year else f", {far.year}")
    assert row(driver, "Renew the passport").find_element(By.CLASS_NAME, "task-due").text == far_words
    assert not row(driver, "Read a book").find_elements(By.CLASS_NAME, "task-due")
    driver.save_screenshot(str(screenshots / f"task-panel-{size}.png"))

    # A filter: overdue shows only the overdue task; done only the done one.
    driver.find_element(By.CSS_SELECTOR, '.filter[data-filter="overdue"]').click()
    wait_for(driver, lambda d: idle(d) and task_rows(d) == [("File the taxes", False)], "the overdue filter")
    driver.find_element(By.CSS_SELECTOR, '.filter[data-filter="today"]').click()
    wait_for(driver, lambda d: idle(d) and task_rows(d) == [("Pay rent", False)], "the today filter")
    driver.find_element(By.CSS_SELECTOR, '.filter[data-filter="done"]').click()
    wait_for(driver, lambda d: idle(d) and task_rows(d) == [("Buy milk", True)], "the done filter")
    driver.find_element(By.CSS_SELECTOR, '.filter[data-filter="all"]').click()
    wait_for(driver, lambda d: idle(d) and len(task_rows(d)) == 7, "all again")

    # The checkbox completes a task, and reopens it.
    row(driver, "Call the dentist").find_element(By.CLASS_NAME, "task-check").click()
    wait_for(driver, lambda d: ("Call the dentist", True) in task_rows(d), "the checkbox did not complete it")
    assert Todo.objects.get(owner=user, title="Call the dentist").completed
    row(driver, "Call the dentist").find_element(By.CLASS_NAME, "task-check").click()
    wait_for(driver, lambda d: ("Call the dentist", False) in task_rows(d), "the checkbox did not reopen it")

    # Edited in place.
    row(driver, "Read a book").find_element(By.XPATH, ".//button[normalize-space()='Edit']").click()
    title = driver.find_element(By.CSS_SELECTOR, ".task-edit input")
    title.clear()
    title.send_keys("Read a novel", Keys.ENTER)
    wait_for(driver, lambda d: ("Read a novel", False) in task_rows(d), "the edit was not saved")
    assert Todo.objects.get(owner=user, title="Read a novel").description == "Something light"

    # Deleted, then kept with Undo: nothing was deleted.
    row(driver, "Read a novel").find_element(By.XPATH, ".//button[normalize-space()='Delete']").click()
    assert ("Read a novel", False) not in task_rows(driver)
    toast = driver.find_element(By.ID, "toast")
    assert toast.is_displayed() and "Deleted \u201cRead a novel\u201d" in toast.text
    driver.save_screenshot(str(screenshots / f"task-undo-{size}.png"))
    driver.find_element(By.ID, "toast-undo").click()
    wait_for(driver, lambda d: ("Read a novel", False) in task_rows(d), "undo did not bring it back")
    assert Todo.objects.filter(owner=user, title="Read a novel").exists()
    assert no_page_scroll(driver)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_page_does_not_scroll_and_earlier_turns_load_from_their_start(
    live_server: LiveServer, browser: WebDriver, screenshots: Path, plain_http_cookies: None, size: str
) -> None:
    """The page keeps the window's height however long the conversation; a long one opens on its
    last page from a turn's start (no orphan tool card) and loads earlier turns when scrolled up."""
    driver = browser
    desktop(driver) if size == "desktop" else phone(driver)
    zone = browser_zone(driver, live_server)
    user = UserFactory.create(username="lin", time_zone="Pacific/Kiritimati" if zone != "Pacific/Kiritimati" else "UTC")
    short = ConversationFactory.create(owner=user, title="Short")
    for n in range(1, 11):
        add_turn(short, chat_turn(f"what about errand {n}?", f"Errand {n} is still open.\nAnything else?"))
    long = add_task_turns(ConversationFactory.create(owner=user, title="Long"), [f"Chore {n}" for n in range(1, 41)])
    log_in(driver, live_server, user)

    # The account's zone is not the browser's: the page offers the browser's, and takes it.
    if size == "phone":
        driver.find_element(By.CSS_SELECTOR, '.pane-tab[data-pane="tasks"]').click()
    offer = driver.find_element(By.ID, "time-zone-offer")
    assert offer.is_displayed() and zone in offer.text
    driver.find_element(By.ID, "tz-use").click()
    wait_for(driver, lambda d: idle(d) and not offer.is_displayed(), "the time zone offer stayed")
    user.refresh_from_db()
    assert user.time_zone == zone

    if size == "phone":
        driver.find_element(By.CSS_SELECTOR, '.pane-tab[data-pane="conversations"]').click()
        assert driver.find_element(By.CSS_SELECTOR, f'a[data-conversation-id="{short.pk}"]').is_displayed()
        driver.save_screenshot(str(screenshots / "conversations-phone.png"))
    driver.get(f"{live_server.url}/?conversation={short.pk}")
    wait_for(driver, lambda d: idle(d) and len(d.find_elements(By.CSS_SELECTOR, ".message")) == 20, "20 messages")
    assert no_page_scroll(driver), driver.execute_script("return document.documentElement.scrollHeight")
    driver.save_screenshot(str(screenshots / f"chat-page-20-messages-{size}.png"))

    # 160 messages: the last page (100) from its first whole turn, then the earlier ones.
    driver.get(f"{live_server.url}/?conversation={long.pk}")
    wait_for(driver, lambda d: idle(d) and d.find_elements(By.CSS_SELECTOR, ".message.user"), "the long one")
    assert no_page_scroll(driver)
    first = driver.find_element(By.CSS_SELECTOR, "#messages > .message")
    assert "user" in (first.get_attribute("class") or "").split()
    shown = len(driver.find_elements(By.CSS_SELECTOR, ".message.user"))
    assert shown < 40
    for _ in range(3):
        driver.execute_script("document.getElementById('messages').scrollTop = 0")
        wait_for(driver, idle, "earlier turns did not load")
    users = texts(driver, ".message.user .text")
    assert users == [f"add chore {n}" for n in range(1, 41)]
    assert no_page_scroll(driver)


AXE = Path(__file__).parent / "ai_sdk" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_axe_finds_no_serious_accessibility_violations(
    live_server: LiveServer, browser: WebDriver, plain_http_cookies: None, size: str
) -> None:
    if not AXE.exists():
        pytest.skip(f"needs {AXE}: run `npm ci` in chat/tests/ai_sdk (CI does)")
    driver = browser
    desktop(driver) if size == "desktop" else phone(driver)
    user = planned_user(browser_zone(driver, live_server))
    add_task_turns(ConversationFactory.create(owner=user, title="Errands"), ["Buy milk", "Call mom"])
    conversation = Conversation.objects.get(owner=user)
    log_in(driver, live_server, user)
    driver.get(f"{live_server.url}/?conversation={conversation.pk}")
    wait_for(driver, lambda d: idle(d) and d.find_elements(By.CSS_SELECTOR, ".message.tool"), "it did not open")
    if size == "desktop":
        # Tab reaches every control of the three panes, each with a visible focus ring.
        reached = set()
        for _ in range(60):
            ActionChains(driver).send_keys(Keys.TAB).perform()
            focused = driver.switch_to.active_element
            if focused.tag_name == "body":
                break  # past the last control
            assert focused.value_of_css_property("outline-style") == "solid", focused.get_attribute("outerHTML")
            reached.add(focused.get_attribute("aria-label") or focused.get_attribute("id") or focused.text)
        controls = {"message", "send", "new-conversation", "rename-conversation", "task-sort", "Done: Pay rent"}
        assert controls | {"Delete Buy milk", "Edit Read a book"} <= reached
    driver.execute_script(AXE.read_text())
    panes = ["chat", "tasks", "conversations"] if size == "phone" else ["chat"]
    for pane in panes:
        if size == "phone":
            driver.find_element(By.CSS_SELECTOR, f'.pane-tab[data-pane="{pane}"]').click()
        result = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then((r) => done(r.violations.map("
            "(v) => ({id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' '))}))));"
        )
        serious = [violation for violation in result if violation["impact"] in ("serious", "critical")]
        assert serious == [], f"{pane}: {serious}"
