"""The visualizer in a real browser: Debian's Chromium driven by Playwright, with no internet.

``solara run app.py`` is started on a free 127.0.0.1 port as ``make viz`` starts it: the page's
JS/CSS come from the ``solara-assets`` wheel (installed by requirements.txt into the
environment's share/solara/cdn, solara's default cache; no npm), and the CDN is pointed at a dead
address, so a missing asset fails the test instead of being fetched.

Without /usr/bin/chromium these tests skip, saying how to enable them; with REQUIRE_BROWSER=1
(set by .ci/run) they fail instead. Never run ``playwright install``: it downloads a browser.
Screenshots go to the test's tmp_path and to test-output/browser/ (git-ignored);
UPDATE_DOCS_SCREENSHOT=1 also writes docs/img/app.png for the README.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ENABLE = "install Debian's Chromium to run them: apt-get install chromium chromium-driver"


def unavailable(reason: str):
    """Skip, or fail when the browser tests are required (CI)."""
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required (REQUIRE_BROWSER=1) but {reason}; {ENABLE}")
    pytest.skip(f"browser tests skipped: {reason}; {ENABLE}")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright Python package is missing (pip install -r requirements.txt)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``solara run app.py`` offline on a free port; stopped (by its process group) afterwards."""
    cache = Path(sys.prefix) / "share" / "solara" / "cdn" / "@widgetti" / "solara-vuetify-app@10.1.1"
    if not cache.is_dir():
        pytest.fail(f"{cache} is missing: pip install -r requirements.txt (solara-assets) fills it")
    port = free_port()
    log_path = tmp_path_factory.mktemp("solara") / "server.log"
    env = {key: value for key, value in os.environ.items() if key != "SOLARA_ASSETS_PROXY_CACHE_DIR"}
    env.update({"SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",  # nothing listens there: no silent CDN fetches
                "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_THEME_SHOW_BANNER": "False"})
    solara = Path(sys.executable).parent / "solara"
    with open(log_path, "w") as log:
        process = subprocess.Popen([str(solara), "run", "app.py", "--host", "127.0.0.1", "--port", str(port),
                                    "--no-open", "--production"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"solara exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                pytest.fail(f"solara did not answer on {url}:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url, log_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


def save_screenshot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    out = ROOT / "test-output" / "browser"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, out / name)
    return path


def image_bytes(locator) -> list[bytes]:
    return [locator.nth(i).screenshot() for i in range(locator.count())]


def open_page(browser, url, height: int = 1150):
    page = browser.new_page(viewport={"width": 1500, "height": height})
    page.goto(url)
    page.get_by_role("button", name="Step", exact=True).wait_for(timeout=90_000)
    page.locator(".sc-graph img").first.wait_for(timeout=60_000)
    page.wait_for_function("document.querySelectorAll('.sc-plot img').length == 5", timeout=60_000)
    return page


def week_text(week: int) -> str:
    return f"Now at week {week} (year {week / 52:.1f})."


def choose(page, label: str, option: str) -> None:
    select = page.locator(".v-select").filter(has=page.locator("label", has_text=re.compile(f"^{re.escape(label)}$")))
    select.locator(".v-select__slot").click()
    page.get_by_role("option", name=option, exact=True).click()


def wait_for_text(page, text: str, timeout: float = 20_000) -> None:
    page.get_by_text(text, exact=True).wait_for(timeout=timeout)


def wait_until_changed(locator, before: list[bytes], timeout: float = 15.0) -> list[bytes]:
    deadline = time.time() + timeout
    while True:
        now = image_bytes(locator)
        if all(a != b for a, b in zip(now, before, strict=True)) or time.time() > deadline:
            return now
        time.sleep(0.25)


def test_step_five_times_redraws_graph_and_plots_offline(browser, server, tmp_path):
    url, log_path = server
    page = open_page(browser, url)
    wait_for_text(page, week_text(0))
    graph, plots = page.locator(".sc-graph img"), page.locator(".sc-plot img")
    assert graph.count() == 1 and graph.evaluate("img => img.naturalWidth") > 300
    graph_before, plots_before = image_bytes(graph), image_bytes(plots)
    assert len(plots_before) == 5
    save_screenshot(page, tmp_path, "app-week0.png")

    step = page.get_by_role("button", name="Step", exact=True)
    for week in range(1, 6):
        step.click()
        wait_for_text(page, week_text(week))
    assert wait_until_changed(graph, graph_before) != graph_before
    plots_after = wait_until_changed(plots, plots_before)
    changed = [a != b for a, b in zip(plots_after, plots_before, strict=True)]
    assert all(changed), f"plots that did not change: {changed}"
    shot = save_screenshot(page, tmp_path, "app-week5.png")
    assert shot.stat().st_size > 50_000

    # what the issue saw: no "PAGE 0" tab, no Solara banner, Mesa's generic controls gone
    text = page.locator("body").inner_text()
    for absent in ("Page 0", "PAGE 0", "runs on Solara", "Play Interval", "Render Interval", "Use Threads"):
        assert absent not in text, absent
    assert page.get_by_text("Compared with no program", exact=False).count() >= 1
    log = log_path.read_text()
    assert "Could not load URL" not in log, "an asset is missing from the offline cache:\n" + log[-3000:]
    page.close()


def test_compare_mode_and_a_typed_seed(browser, server, tmp_path):
    url, log_path = server
    page = open_page(browser, url)
    choose(page, "Compare with (same county, side by side)", "San Francisco 2011 (Sheriff Hennessey)")
    page.wait_for_function("document.querySelectorAll('.sc-graph img').length == 2", timeout=60_000)
    page.wait_for_function("document.querySelectorAll('.sc-plot img').length == 3", timeout=60_000)
    wait_for_text(page, week_text(0))
    header = page.locator(".sc-readout-table th")
    assert header.all_inner_texts()[1:] == ["Full cooperation", "Hennessey (SF 2011)", "no program (same seed)"]
    graphs = page.locator(".sc-graph img")
    before = image_bytes(graphs)

    seed_box = page.get_by_label("Seed (any text; Enter to apply)")
    seed_box.fill("7")
    seed_box.press("Enter")
    wait_until_changed(graphs, before)  # a new pair of counties (seed 7), both redrawn
    page.get_by_role("button", name="Run 1 year (52 weeks)").click()
    wait_for_text(page, week_text(52), timeout=60_000)
    page.get_by_role("button", name="Step", exact=True).click()
    wait_for_text(page, week_text(53))
    page.locator(".sc-readout-table th", has_text=re.compile("^week 53$")).wait_for(timeout=20_000)
    assert seed_box.input_value() == "7"
    save_screenshot(page, tmp_path, "app-compare-seed7-week53.png")
    log = log_path.read_text()
    assert "Could not load URL" not in log, log[-3000:]
    page.close()


def test_five_years_screenshot(browser, server, tmp_path):
    """The picture for the README: the lesson's county (seed 42), five years of full cooperation."""
    url, _ = server
    page = open_page(browser, url, height=1900)  # tall enough for the graph, readout and plots
    run_year = page.get_by_role("button", name="Run 1 year (52 weeks)")
    for year in range(1, 6):
        run_year.click()
        wait_for_text(page, week_text(52 * year), timeout=60_000)
    time.sleep(1.0)
    shot = save_screenshot(page, tmp_path, "app-5-years.png")
    if os.environ.get("UPDATE_DOCS_SCREENSHOT") == "1":
        (ROOT / "docs" / "img").mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, ROOT / "docs" / "img" / "app.png")
    page.close()
