"""The chat page in a real browser: headless Chromium from Debian's packages, driven by Selenium.

Sign up, log out and in, add three tasks by chat, complete one by words, see a failure card,
then come back to `/` and open the conversation again from the list. Screenshots go to a
temporary folder, or to `SCREENSHOTS_DIR` when it is set (`docs/screenshots/` holds the ones
the README shows: `SCREENSHOTS_DIR=docs/screenshots .venv/bin/pytest chat/tests/test_chat_page_browser.py`).

The browser and the screenshot folder are fixtures of `chat/tests/conftest.py`, shared with the
admin's browser test: `.ci/run` installs `chromium` and `chromium-driver`; elsewhere the test is
skipped without them.
"""

from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import User
from chat.models import Conversation
from todos.models import Todo

PASSWORD = "a-long-enough-pass-9"
WAIT_SECONDS = 10

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(driver: WebDriver, condition, message: str):
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
    return [
        (row.find_element(By.CLASS_NAME, "task-title").text, "done" in (row.get_attribute("class") or "").split())
        for row in driver.find_elements(By.CSS_SELECTOR, "#task-list .task")
    ]


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
    live_server, browser: WebDriver, screenshots: Path, plain_http_cookies: None
):
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
    wait_for(driver, lambda d: idle(d) and d.find_element(By.ID, "conversation-title").text == "Groceries and bills", "rename")
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
