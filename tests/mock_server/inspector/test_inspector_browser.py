"""The inspector in a real browser: headless Chromium from Debian (`chromium`,
`chromium-driver`; tools/system-deps.sh installs them) driven by Selenium, against a fake
on a loopback socket running the seeds' flow. Checked as a person would look: the session
appears live, the turn's text and tool calls are listed, the timeline has three tracks and
the title, the render reaches "completed" and its <video> plays, a fault added from the
form makes the next request fail, the journal filter narrows the list; every step is
screenshotted into test-artifacts/inspector/ (kept by CI)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.examples.raw_client import HEADERS, RawNemoClient

pytestmark = [pytest.mark.extended, pytest.mark.network]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "inspector"
WAIT = 20.0  # real seconds a page may take to show what the fake already did
DESKTOP = (1280, 800)
PHONE = (390, 844)


def _browser_paths() -> tuple[str, str] | None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (chromium, driver) if chromium and driver else None


@pytest.fixture
def browser() -> Iterator[Any]:
    paths = _browser_paths()
    if paths is None:
        if os.environ.get("CI"):
            pytest.fail(
                "chromium and chromedriver are missing (tools/system-deps.sh installs them)"
            )
        pytest.skip("chromium/chromedriver not installed (run tools/system-deps.sh as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--mute-audio",
        "--autoplay-policy=no-user-gesture-required",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(paths[1]), options=options)
    driver.set_page_load_timeout(WAIT)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()  # ends chromedriver and the browser it started (by their pids)


def _until(driver: Any, what: str, condition: Callable[[Any], Any]) -> Any:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, WAIT, poll_frequency=0.05).until(condition)
    except TimeoutException:
        shot(driver, f"failed-{what.replace(' ', '-')}")
        raise AssertionError(f"the page never showed: {what}") from None


def shot(driver: Any, name: str) -> Path:
    """A screenshot of the whole page (the window grows to the page's height)."""
    width = driver.get_window_size()["width"]
    driver.set_window_size(width, DESKTOP[1])  # measure the page, not the last window
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, max(DESKTOP[1], min(int(height) + 120, 3000)))
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def click(driver: Any, selector: str, index: int = 0) -> None:
    """Click the element a selector finds, again if a live refresh just replaced it."""
    from selenium.common.exceptions import StaleElementReferenceException

    def clicked(d: Any) -> bool:
        try:
            css(d, selector)[index].click()
        except (StaleElementReferenceException, IndexError):
            return False
        return True

    _until(driver, f"something to click at {selector}", clicked)


def read(driver: Any, selector: str, attribute: str | None = None) -> list[str]:
    """The text (or an attribute) of every match, read in one go: a live refresh cannot
    leave a stale element between finding and reading."""
    return list(
        driver.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0]))"
            ".map(e => arguments[1] ? e.getAttribute(arguments[1]) : e.innerText.trim());",
            selector,
            attribute,
        )
    )


def css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, selector))


@pytest.mark.nemo(silent_close_rate=0.0, contract=True)
def test_a_person_debugging_an_agent_sees_it_all(nemo_fake_server: Any, browser: Any) -> None:
    from selenium.webdriver.support.ui import Select

    ui = f"{nemo_fake_server.url}/_fake/ui"
    browser.set_window_size(*DESKTOP)
    browser.get(ui)
    assert "No accounts yet" in browser.page_source
    _until(
        browser,
        "the live feed connected",
        lambda d: "connected" in d.find_element("tag name", "body").get_attribute("class"),
    )

    # 1. the session appears without a reload
    client = RawNemoClient(base_url=nemo_fake_server.url, sleep=nemo_fake_server.advance)
    session_id = client.start()
    row = f'tr[data-href$="/sessions/{session_id}"]'
    _until(browser, "the new session", lambda d: css(d, row))
    shot(browser, "01-sessions")

    # 2. a generation turn: its text and tool calls, heartbeats counted
    reply = client.send("make a 2-second video of a red fox")
    assert reply.text and reply.heartbeats > 0
    click(browser, row)
    _until(browser, "the turn's text", lambda d: css(d, ".turn .ev-text"))
    texts = read(browser, ".turn .ev-text .bubble")
    assert reply.text.splitlines()[0] in "\n".join(texts)
    assert "generate_video_with_seedance" in read(browser, ".turn .ev-call .tool-name")
    assert "red fox" in read(browser, ".turn .ev-call summary.brief")[0]  # arguments, one line
    assert "heartbeat" in read(browser, ".turn footer")[0]

    # 3. the draft drawn to scale: video, audio and text tracks, the title's text
    draft = client.state()["draft"]
    title = next(t for t in draft["t"] if t["tt"] == 7)["sg"][0]["tx"]
    assert read(browser, ".timeline .lane[data-kind]", "data-kind") == ["video", "audio", "text"]
    assert read(browser, '.lane[data-kind="text"] .seg-label') == [title]
    shot(browser, "02-session-turn-timeline")

    # 4. an export: the card goes live from processing to completed, and the video plays
    render_id = "render_inspector_1"
    submit = client.http.post(
        "/api/render/proxy/lambda",
        json={"id": render_id, "sessionId": session_id, "draft": draft},
        headers={**client._auth(), **HEADERS},
    )
    assert submit.json()["success"] is True
    card = f'.render[data-render="{render_id}"]'
    _until(browser, "the render card", lambda d: css(d, card))
    assert read(browser, card, "data-status")[0] in ("pending", "processing")
    nemo_fake_server.advance(120)  # API time: the encoder finishes in real time
    _until(browser, "render completed", lambda d: css(d, f'{card}[data-status="completed"] video'))
    playing = _until(
        browser,
        "the video playing",
        lambda d: d.execute_script(
            "var v = document.querySelector(arguments[0] + ' video');"
            "if (v.paused) v.play();"
            "return v.readyState >= 2 && v.currentTime > 0.3 && !v.error ? v.currentTime : false;",
            card,
        ),
    )
    assert playing > 0.3
    browser.execute_script("document.querySelector(arguments[0]).scrollIntoView()", card)
    shot(browser, "03-render-playing")

    # 5. a fault added from the form: the next credits request fails with it
    browser.get(f"{ui}/control")
    form = css(browser, "#fault-form")[0]
    Select(form.find_element("name", "method")).select_by_visible_text("GET")
    path_input = form.find_element("name", "path")
    path_input.clear()
    path_input.send_keys("/api/credits/*")
    Select(form.find_element("name", "error_code")).select_by_visible_text("503")
    form.find_element("css selector", "button[type=submit]").click()
    _until(browser, "the fault listed", lambda d: css(d, ".fault-row"))
    assert "/api/credits/*" in read(browser, ".fault-row")[0]
    shot(browser, "04-control-fault")
    failed = client.http.get("/api/credits/balance/simple", headers=client._auth())
    assert failed.status_code == 503
    assert client.credits()["available"] >= 0  # the fault fired once (times 1)
    # the clock's quick button and the configuration form: the admin API underneath
    before = nemo_fake_server.now()
    click(browser, "button[data-body='{\"seconds\": 60}']")
    _until(browser, "the clock advanced", lambda d: nemo_fake_server.now() >= before + 60)
    Select(css(browser, "#cfg-events")[0]).select_by_visible_text("typed")
    click(browser, "#config-form button[type=submit]")
    _until(browser, "the dialect changed", lambda d: nemo_fake_server.config.events == "typed")
    _until(
        browser, "the answer shown", lambda d: "PATCH /_fake/config → 200" in read(d, "#toast")[0]
    )

    # 6. the journal, filtered by path: fewer rows, each one a /run_sse
    browser.get(f"{ui}/journal")
    paths = read(browser, "tr.journal-row", "data-path")
    assert "/api/credits/balance/simple" in paths
    assert any("503" in row and "flt_" in row for row in read(browser, "tr.journal-row"))
    css(browser, '#journal-filter input[name="path"]')[0].send_keys("/run_sse")
    click(browser, "#journal-filter button")
    _until(browser, "the filtered journal", lambda d: "path=%2Frun_sse" in d.current_url)
    rows = read(browser, "tr.journal-row", "data-path")
    assert 0 < len(rows) < len(paths)
    assert set(rows) == {"/run_sse"}
    shot(browser, "05-journal-filtered")
    click(browser, "tr.journal-row", len(rows) - 1)  # the stream: frames with API times
    _until(browser, "the stream's frames", lambda d: css(d, "tr.frame"))
    assert css(browser, "tr.frame-heartbeat") and css(browser, "tr.frame-call")
    shot(browser, "06-journal-stream")

    # 7. phone width: the session page fits the screen (the timeline scrolls inside)
    browser.set_window_size(*PHONE)
    browser.get(f"{ui}/sessions/{session_id}")
    _until(browser, "the session on a phone", lambda d: css(d, ".timeline"))
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
    shot(browser, "07-session-phone")
    client.close()


def test_with_an_admin_token_the_browser_logs_in_once(browser: Any, tmp_path: Path) -> None:
    """The login form, then the control page's buttons drive the admin API with the
    session cookie (and the page's own Origin); the token appears in no page or URL."""
    from mock_server.app import build_app
    from mock_server.config import FakeConfig
    from mock_server.fake import Fake
    from mock_server.testing import ServerThread

    token = "browser-admin-token-0123456789"
    fake = Fake(FakeConfig(clock="manual", data_dir=str(tmp_path), admin_token=token))
    try:
        with ServerThread(build_app(fake)) as url:
            browser.get(f"{url}/_fake/ui/control")
            _until(browser, "the login form", lambda d: css(d, "input[name=admin_token]"))
            css(browser, "input[name=admin_token]")[0].send_keys(token)
            shot(browser, "07-login")
            click(browser, "form button[type=submit]")
            _until(browser, "the control page", lambda d: d.current_url.endswith("/control"))
            before = fake.clock.now()
            click(browser, "button[data-body='{\"seconds\": 60}']")
            _until(browser, "the clock advanced", lambda d: fake.clock.now() >= before + 60)
            assert token not in browser.page_source and token not in browser.current_url
            cookies = browser.get_cookies()
            assert [c["name"] for c in cookies] == ["nemo_fake_admin"]
            assert cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Strict"
            assert token not in cookies[0]["value"]
    finally:
        fake.close()
