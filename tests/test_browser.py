"""The visualizer in a real browser: Debian's Chromium driven by Playwright, with no internet.

``solara run app.py`` is started on a free 127.0.0.1 port as ``make viz`` starts it: the page's
JS/CSS come from the ``solara-assets`` wheel (installed by requirements.txt into the
environment's share/solara/cdn, solara's default cache; no npm), and the CDN is pointed at a dead
address, so a missing asset fails the test instead of being fetched.

The page is checked as a projector shows it, at 1024x768, 1280x720 and 1920x1080 (issue 21): no
element wider than the window and no horizontal scroll, no word broken in a heading, the readout's
labels on one or two lines, plots two to a row with text of at least 14 pixels, residents large
enough to see; then compare mode's plots, the resident inspector and the busy sign.

Without /usr/bin/chromium these tests skip, saying how to enable them; with REQUIRE_BROWSER=1
(set by .ci/run) they fail instead. Never run ``playwright install``: it downloads a browser.
Screenshots (what the window shows) go to the test's tmp_path and to test-output/browser/
(git-ignored); UPDATE_DOCS_SCREENSHOT=1 also writes docs/img/app.png for the README.
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

from model.labels import CHANNEL_LABELS
from viz.graph_view import DPI, GraphView
from viz.plots import DPI as PLOT_DPI
from viz.plots import FIGSIZE, PANELS, TICK_SIZE
from viz.settings import ClassroomCounty, CountySettings

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
    """What the window shows (the page scrolls inside it, so a "full page" is the window)."""
    path = tmp_path / name
    page.screenshot(path=str(path))
    out = ROOT / "test-output" / "browser"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, out / name)
    return path


def image_bytes(locator) -> list[bytes]:
    return [locator.nth(i).screenshot() for i in range(locator.count())]


def open_page(browser, url, width: int = 1280, height: int = 720):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    page.get_by_role("button", name="Step", exact=True).wait_for(timeout=90_000)
    page.locator(".sc-graph img").first.wait_for(timeout=60_000)
    page.wait_for_function(f"document.querySelectorAll('.sc-plot img').length == {len(PANELS)}", timeout=60_000)
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


def run_years(page, years: int) -> None:
    run_year = page.get_by_role("button", name="Run 1 year (52 weeks)")
    for year in range(1, years + 1):
        run_year.click()
        wait_for_text(page, week_text(52 * year), timeout=60_000)


def fold_panels(page) -> None:
    """Fold the explainer and the settings away, as a teacher does once the class has read them."""
    for header in page.locator(".sc-panels .v-expansion-panel-header").all():
        header.click()
    page.wait_for_function("[...document.querySelectorAll('.sc-panels .v-expansion-panel-content')]"
                           ".every(e => e.offsetHeight == 0)", timeout=10_000)


def scroll_to(page, selector: str) -> None:
    page.locator(selector).first.scroll_into_view_if_needed()
    page.evaluate(f"document.querySelector('{selector}').scrollIntoView({{block: 'start'}})")
    time.sleep(0.4)


TOO_WIDE = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    if (r.width == 0 || s.display == 'none' || s.visibility == 'hidden') continue;
    if (r.right > window.innerWidth + 0.5 || r.left < -0.5) out.push('wider than the window: ' + el.className);
    if (el.scrollWidth > el.clientWidth + 1 && ['auto', 'scroll'].includes(s.overflowX))
      out.push('horizontal scroll: ' + el.className);
  }
  if (document.scrollingElement.scrollWidth > window.innerWidth) out.push('the page scrolls sideways');
  return out;
}"""

BROKEN_WORDS = """(selector) => {
  // A word broken across two lines gives two boxes for its letters ("co unty").
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /\\S+/g;
      let m;
      while ((m = re.exec(node.textContent))) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) out.push(m[0]);
      }
    }
  }
  return out;
}"""

LINES = """(selector) => [...document.querySelectorAll(selector)].map(el => {
  const range = document.createRange(); range.selectNodeContents(el.firstChild || el);
  return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
})"""


@pytest.mark.parametrize("width, height", [(1024, 768), (1280, 720), (1920, 1080)])
def test_the_page_reads_from_the_back_of_a_classroom(browser, server, tmp_path, width, height):
    """Issue 21, item 1, at a projector's three usual sizes, after five years of the lesson's county."""
    url, log_path = server
    page = open_page(browser, url, width, height)
    panels = page.locator(".sc-panels .v-expansion-panel")
    graph_card = page.locator(".sc-graph").first
    assert panels.first.bounding_box()["y"] < graph_card.bounding_box()["y"]  # the explainer comes first
    assert "What you are watching" in panels.first.inner_text()
    save_screenshot(page, tmp_path, f"app-{width}x{height}-open.png")
    menu = page.locator(".v-select").filter(has=page.locator("label", has_text="Compare with"))
    menu.locator(".v-select__slot").click()
    page.get_by_role("option", name="San Francisco 2011 (Sheriff Hennessey)", exact=True).wait_for()
    cut = page.evaluate("() => [...document.querySelectorAll('.v-menu__content .v-list-item__title')]"
                        ".filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)")
    assert cut == []  # the menu cut "Sheriff Hennes..." short
    page.keyboard.press("Escape")
    run_years(page, 5)
    fold_panels(page)
    time.sleep(1.0)
    save_screenshot(page, tmp_path, f"app-{width}x{height}.png")

    assert page.evaluate(TOO_WIDE) == []
    headings = ".sc-main h3, .sc-panels .v-expansion-panel-header, .sc-readout-table th, .sc-lesson-table th, .sc-week"
    assert page.evaluate(BROKEN_WORDS, headings) == []
    assert page.evaluate(BROKEN_WORDS, ".sc-readout-table td, .sc-key, .sc-heading") == []
    assert max(page.evaluate(LINES, ".sc-readout-table td.sc-label")) <= 2  # labels on one or two lines

    # residents large enough to see, the chilled mark plainly visible, the graph within the window
    graph = page.locator(".sc-graph img").first
    shown_width, natural = graph.evaluate("img => [img.clientWidth, img.naturalWidth]")
    figure = GraphView(ClassroomCounty(CountySettings()))  # the page's own drawing of the lesson's county
    dot = (figure.size ** 0.5) * DPI / 72 * shown_width / natural
    assert dot >= 7.0 and dot * 0.55 >= 3.5, f"residents {dot:.1f} px wide"  # the chilled mark: over half as wide
    assert graph.bounding_box()["height"] <= height - 100

    # plots two to a row, their text at least 14 px
    plots = page.locator(".sc-plot")
    first, second = plots.nth(0).bounding_box(), plots.nth(1).bounding_box()
    assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"] + first["width"] - 1
    for i in range(page.locator(".sc-plot img").count()):
        img_width, img_natural = page.locator(".sc-plot img").nth(i).evaluate(
            "img => [img.clientWidth, img.naturalWidth]")
        assert img_natural == round(FIGSIZE[0] * PLOT_DPI)
        assert TICK_SIZE * PLOT_DPI / 72 * img_width / img_natural >= 14.0, f"plot {i}: {img_width} px wide"
    sizes = page.evaluate("() => [...document.querySelectorAll('.sc-key, .sc-readout-table, .sc-lesson-table, "
                          ".sc-heading')].map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert min(sizes) >= 14.0
    scroll_to(page, ".sc-readout")
    save_screenshot(page, tmp_path, f"app-{width}x{height}-readout.png")
    scroll_to(page, ".sc-plots")
    save_screenshot(page, tmp_path, f"app-{width}x{height}-plots.png")
    log = log_path.read_text()
    assert "Could not load URL" not in log, "an asset is missing from the offline cache:\n" + log[-3000:]
    page.close()


def test_step_five_times_redraws_graph_and_plots_offline(browser, server, tmp_path):
    url, log_path = server
    page = open_page(browser, url)
    wait_for_text(page, week_text(0))
    plots = page.locator(".sc-plot img")
    plots_before = image_bytes(plots)
    step = page.get_by_role("button", name="Step", exact=True)
    for week in range(1, 6):
        step.click()
        wait_for_text(page, week_text(week))
    plots_after = wait_until_changed(plots, plots_before)
    changed = [a != b for a, b in zip(plots_after, plots_before, strict=True)]
    assert all(changed), f"plots that did not change: {changed}"
    page.get_by_text("Week 5: Secure Communities, full cooperation", exact=True).wait_for(timeout=10_000)
    text = page.locator("body").inner_text()
    for absent in ("Page 0", "PAGE 0", "runs on Solara", "Play Interval", "Render Interval", "Use Threads"):
        assert absent not in text, absent
    assert page.get_by_text("Compared with no program", exact=False).count() >= 1
    assert "Could not load URL" not in log_path.read_text()
    page.close()


def test_compare_mode_the_busy_sign_and_the_inspector(browser, server, tmp_path):
    """Issue 21, items 2, 4 and 5: compare mode shows every plot the lesson uses for both counties; the
    page says when it is building counties; a click on a resident shows their story in both."""
    url, log_path = server
    page = open_page(browser, url)
    choose(page, "Compare with (same county, side by side)", "San Francisco 2011 (Sheriff Hennessey)")
    busy = page.locator(".sc-busy")
    busy.wait_for(timeout=5_000)  # seen while the counties are built
    assert "Building the county" in busy.inner_text()
    assert page.get_by_role("button", name="Step", exact=True).is_disabled()
    busy.wait_for(state="detached", timeout=60_000)
    page.wait_for_function("document.querySelectorAll('.sc-graph img').length == 2", timeout=60_000)
    page.wait_for_function(f"document.querySelectorAll('.sc-plot img').length == {3 + 2 * len(PANELS)}",
                           timeout=60_000)
    header = page.locator(".sc-readout-table thead th")
    assert header.all_inner_texts()[1:] == ["Full cooperation", "Hennessey (SF 2011)", "no program (same seed)"]
    for spec in PANELS:
        for side in (0, 1):
            assert page.locator(f".sc-plot-{spec.key}_{side} img").count() == 1

    seed_box = page.get_by_label("Seed (any text; Enter to apply)")
    seed_box.fill("-4")  # refused: the box goes back to the seed in use
    seed_box.press("Enter")
    page.get_by_text("Not applied: Seed: a whole number >= 0 or a word, got '-4'", exact=False).wait_for()
    page.wait_for_function("document.querySelector('input[type=text]') !== null")
    assert page.get_by_label("Seed (any text; Enter to apply)").input_value() == "42"
    seed_box = page.get_by_label("Seed (any text; Enter to apply)")
    seed_box.fill("7")
    seed_box.press("Enter")
    page.get_by_text("seed 7,", exact=False).first.wait_for(timeout=60_000)  # the panel's header: in use
    busy.wait_for(state="detached", timeout=60_000)
    run_years(page, 5)
    fold_panels(page)

    graph = page.locator(".sc-graph img").first
    box = graph.bounding_box()
    graph.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    story = page.locator(".sc-inspector")
    story.get_by_text("Events so far").first.wait_for(timeout=10_000)
    text = story.inner_text()
    assert re.search(r"Resident \d+, household \d+", text) and text.count("Record:") == 2  # in both counties
    for channel in CHANNEL_LABELS.values():
        assert channel in text
    with page.expect_download(timeout=30_000) as download:  # the readout as CSV, unrounded
        page.get_by_role("button", name="Readout (CSV)").click()
    table = Path(download.value.path()).read_text().splitlines()
    assert download.value.suggested_filename == "readout_week260.csv"
    assert table[0] == "week,section,window,row,unit,Full cooperation,Hennessey (SF 2011),no program (same seed)"
    assert any(line.startswith("260,The pathway,so far (since week 1),Arrests,") for line in table)
    time.sleep(1.0)
    save_screenshot(page, tmp_path, "app-compare-1280x720.png")
    scroll_to(page, ".sc-inspector")
    save_screenshot(page, tmp_path, "app-compare-1280x720-inspector.png")
    scroll_to(page, ".sc-plots-title")
    save_screenshot(page, tmp_path, "app-compare-1280x720-plots.png")
    assert "Could not load URL" not in log_path.read_text()
    page.close()


def test_five_years_screenshot(browser, server, tmp_path):
    """The picture for the README: the lesson's county (seed 42) after five years of full cooperation,
    panels folded, the graph and its key beside the inspector and the readout (a 1600 x 1200 window)."""
    url, _ = server
    page = open_page(browser, url, 1600, 1200)
    run_years(page, 5)
    fold_panels(page)
    time.sleep(1.0)
    shot = save_screenshot(page, tmp_path, "app-5-years.png")
    if os.environ.get("UPDATE_DOCS_SCREENSHOT") == "1":
        (ROOT / "docs" / "img").mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, ROOT / "docs" / "img" / "app.png")
    page.close()
