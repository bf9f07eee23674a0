"""The agenda page in a real headless Chromium (Debian's package, driven by Selenium through Debian's
chromedriver: no browser is downloaded at test time), as a delegate in New York would see it: on a phone
and on a desktop (screenshots in test-artifacts/), with JavaScript and without, printed, and checked by
axe-core for serious accessibility violations. `make test` installs Chromium and axe-core; where they
are missing the tests say so and skip."""
from __future__ import annotations

import base64
import json
import re
import shutil
import urllib.request
from pathlib import Path

import pytest

from storage import feeds as feed_store
from tests.conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

needs_browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="Chromium and chromedriver are not installed: `make test` installs them (apt-get install chromium "
           "chromium-driver, as root); without them the agenda page is not checked in a browser")


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={tmp_path / 'chromium'}"):
        opts.add_argument(flag)
    # The reader sits in New York: the page shows the Geneva times and, with JavaScript, theirs.
    service = Service(executable_path=CHROMEDRIVER, env={"TZ": "America/New_York", "PATH": "/usr/bin:/bin"})
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


def shot(driver, name: str, width: int, height: int) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.set_window_size(width, height)
    full = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(full + 100, 4000))
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


@needs_browser
def test_agenda_page_in_chromium_phone_desktop_print_and_axe(web_bot, browser):
    from tests.test_feed import say
    say(web_bot, "/convene deadline #1 2010-06-24 17:00")
    url = web_bot.page_url
    browser.get(url)
    text = browser.find_element("tag name", "main").text
    assert "Special Session on International Cooperation and Assistance" in text
    assert "Friday 25 June 2010, 10:00–13:00" in text and "Geneva time (Europe/Zurich)" in text
    assert "Introductory remarks & overview of the purpose of the session" in text
    assert "Presented by President of the Second Review Conference" in text
    assert "increase speed of the flow of funds through these mechanisms?" in text      # 3.2, page-broken
    for ref in ["2.1", "2.6", "3.5", "4.3", "WP.15:a", "WP.15:n"]:
        assert ref in text, ref
    assert "Written input due" in text and "Thu 24 Jun 2010 17:00" in text
    assert "/submit 2.1 TEXT" in text                        # how to answer, for the group's platform
    # JavaScript adds the reader's own time (New York is six hours behind Geneva in June).
    assert "Your time (America/New_York): Fri, Jun 25, 04:00 AM–07:00 AM" in text
    # Landmarks and headings a screen reader navigates by.
    assert browser.find_element("tag name", "h1").text == "Contact Group on Cooperation"
    assert [h.text for h in browser.find_elements("css selector", "main h2")][:1] == [
        "Special Session on International Cooperation and Assistance"]
    assert browser.find_element("css selector", "nav a.button").get_attribute("href").startswith("webcal://")

    phone = shot(browser, "agenda-page-phone", 390, 844)
    desktop = shot(browser, "agenda-page-desktop", 1280, 900)
    assert phone.stat().st_size > 10_000 and desktop.stat().st_size > 10_000
    browser.set_window_size(390, 844)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390   # no sideways scrolling

    pdf = base64.b64decode(browser.print_page())
    (ARTIFACTS / "agenda-page-print.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1                                # a one-page handout

    if not AXE.exists() or AXE.stat().st_size < 1000:
        pytest.skip("axe-core is not installed in .tools/ (make test installs it with npm): accessibility not checked")
    browser.set_window_size(1280, 900)
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations)))"
        ".catch(e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e)}])));")
    violations = json.loads(result)
    (ARTIFACTS / "agenda-page-axe.json").write_text(json.dumps(violations, indent=2))
    serious = [(v["id"], v["help"]) for v in violations if v.get("impact") in ("serious", "critical")]
    assert serious == []


@needs_browser
def test_agenda_page_reads_fully_without_javascript(web_bot, browser):
    """Server-rendered: every item, time and question is in the HTML itself."""
    html = urllib.request.urlopen(web_bot.page_url, timeout=10).read().decode("utf-8")
    for needle in ("<h1>Contact Group on Cooperation</h1>", "10:00", "13:00", "2.6", "WP.15:f",
                   "Special session ends", "<main id=\"main\">", "<nav aria-label=\"Calendar\""):
        assert needle in html, needle
    assert "Your time" not in html                           # that part only comes with the script
    token = feed_store.token_of(web_bot.check, web_bot.group.id)
    assert token in web_bot.page_url
