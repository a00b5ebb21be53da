import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django import Settings
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from chat.tests.scripted_openai import ScriptedOpenAI

# Debian's packages (`apt-get install chromium chromium-driver`; `.ci/run` installs them).
# Selenium is given both paths, so Selenium Manager never looks for (or downloads) a browser.
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture
def scripted_openai(settings: Settings) -> Iterator[ScriptedOpenAI]:
    """A scripted OpenAI-compatible server, with the agent configured to use it via the real SDK."""
    server = ScriptedOpenAI().start()
    settings.AGENT_BACKEND = "openai"
    settings.OPENAI_API_KEY = "sk-test-key"
    settings.OPENAI_BASE_URL = server.base_url
    settings.OPENAI_MODEL = "scripted-model"
    settings.OPENAI_TIMEOUT = 2.0
    settings.OPENAI_MAX_RETRIES = 2
    yield server
    server.stop()


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    """Headless Chromium in a 1400 x 900 window. Without it the test is skipped,
    except in CI (CI=true), whose .ci/run installs it: there a missing browser fails the test
    instead of hiding it."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {CHROMIUM} or {CHROMEDRIVER} is missing: .ci/run installs them")
        pytest.skip(f"needs {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver; .ci/run does)")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,900",
        "--lang=en-US",
        "--hide-scrollbars",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where browser tests save screenshots: a temporary folder, or `SCREENSHOTS_DIR` when set
    (`SCREENSHOTS_DIR=docs/screenshots` refreshes the README's)."""
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def plain_http_cookies(settings: Settings) -> None:
    # The live server speaks plain HTTP; production's cookies are Secure (HTTPS only).
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
