"""The accessibility bar, in a real browser: Debian's chromium driven by Playwright.

- axe-core (shipped by axe-playwright-python): zero violations for wcag2a, wcag2aa,
  wcag21aa, wcag22aa and best-practice on every page, also with search results showing;
- the Nu HTML Checker (vnu-jar from npm, in .tools/): zero errors in HTML and CSS;
- keyboard only: Tab reaches the player, every chapter link and the search, with a visible
  focus indicator; a 320 px wide window needs no sideways scrolling;
- the player: seeking by chapter and by clicking the transcript while playing, the spoken
  paragraph marked with aria-current, search within a transcript and across episodes;
- no request leaves file:// (every page, every test), and pages work without JavaScript.

Without /usr/bin/chromium (or Java, or vnu.jar) these tests skip and say why, loudly.
Set UPDATE_SCREENSHOT=1 to rewrite docs/screenshot-episode.png.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_site_sample import HOSTILE, shared_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
VNU_JAR = REPO / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa", "best-practice"]
PAGES = ("index.html", "01-cardiology/index.html", "02-hostile/index.html", "accessibility.html")
EPISODE = "01-cardiology/index.html"
YELLOW = "rgb(255, 221, 0)"
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
SHOT_HEIGHT = 2200


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory):
    return shared_site(tmp_path_factory)


def skip_loudly(reason: str) -> None:
    message = f"ACCESSIBILITY TESTS NOT RUN: {reason}"
    warnings.warn(message, stacklevel=2)
    sys.stderr.write(message + "\n")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        skip_loudly(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_loudly("the playwright Python package is not installed (pip install playwright)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


class Visit:
    """A browser page on the sample site that records every request it makes."""

    def __init__(self, browser, out: Path, **context):
        self.out = out
        self.context = browser.new_context(
            **{"viewport": {"width": 1024, "height": 800}, **context}
        )
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def go(self, path: str):
        self.page.goto((self.out / path).as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    def close(self) -> None:
        self.context.close()
        external = [u for u in self.requests if not u.startswith(LOCAL_SCHEMES)]
        assert not external, f"requests outside file://: {external}"
        assert not self.dialogs, f"a page opened a dialog (injected code ran?): {self.dialogs}"
        assert not self.errors, f"JavaScript errors: {self.errors}"


@pytest.fixture
def visit(browser, sample_site) -> Iterator[Visit]:
    out, _, _ = sample_site
    v = Visit(browser, out)
    yield v
    v.close()


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_violations(visit: Visit, path: str) -> None:
    page = visit.go(path)
    assert page.locator("[data-search]").first.is_visible() or path == "accessibility.html"
    assert axe_violations(page) == []


def test_axe_with_search_results_and_a_playing_paragraph(visit: Visit) -> None:
    page = visit.go(EPISODE)
    page.fill("#search-transcript", "clinic")
    page.press("#search-transcript", "Enter")
    page.wait_for_selector(".search__results li")
    page.click("#p4 .transcript__text")
    page.wait_for_selector("#p4[aria-current='true']")
    assert axe_violations(page) == []
    page = visit.go("index.html")
    page.fill("#search-all", "the")
    page.press("#search-all", "Enter")
    page.wait_for_selector(".search__results li")
    assert axe_violations(page) == []


def test_report_page_passes_axe(browser, tmp_path: Path) -> None:
    from test_site_sample import first_episode

    from podcast.site.report import write_report

    ep = first_episode(tmp_path / "feed", waveform=False)
    words = [w for s in ep.transcript.segments for w in s.words if w.probability < 0.5]
    report = write_report(
        tmp_path / "reports",
        ep,
        loudness_before=[-30.0, -28.0, -31.0],
        loudness_after=[-19.0, -18.5, -19.2],
        figures={"Noise floor": -60.0},
        low_confidence=words,
        extra_sections={"Review list": "nothing to review"},
    )
    v = Visit(browser, report.parent)
    try:
        assert axe_violations(v.go("report.html")) == []
    finally:
        v.close()


def test_nu_html_checker_finds_no_errors(sample_site, tmp_path: Path) -> None:
    out, _, _ = sample_site
    java = shutil.which("java")
    if not java:
        skip_loudly(
            "java not found: the Nu HTML Checker needs it (apt-get install default-jre-headless)"
        )
    if not VNU_JAR.is_file():
        skip_loudly(f"{VNU_JAR} not found: run `npm install --prefix .tools vnu-jar`")
    from test_site_sample import first_episode

    from podcast.site.report import write_report

    report = write_report(
        tmp_path,
        first_episode(tmp_path / "feed", waveform=False),
        loudness_before=[-30.0],
        loudness_after=[-19.0],
        figures={},
        low_confidence=(),
        extra_sections={},
    )
    files = [str(out / p) for p in PAGES] + [
        str(report),
        str(out / "static/style.css"),
        str(out / "static/print.css"),
    ]
    proc = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--also-check-css", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(proc.stderr or proc.stdout)["messages"]
    errors = [
        f"{m.get('url', '')}:{m.get('lastLine', '')}: {m['message']}"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    assert errors == []
    assert proc.returncode == 0


def focus_style(page) -> dict:
    return page.evaluate("""() => {
        const e = document.activeElement, s = getComputedStyle(e);
        return {tag: e.tagName.toLowerCase(), id: e.id, href: e.getAttribute('href') || '',
                cls: e.className || '', outline: s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor,
                background: s.backgroundColor, shadow: s.boxShadow,
                visible: e.getBoundingClientRect().width > 1 && e.getBoundingClientRect().height > 1};
    }""")


def visibly_focused(style: dict) -> bool:
    """GOV.UK focus: yellow with a black edge (links, buttons), or a 3px yellow outline with a
    black ring (inputs, the player); the skip link is a yellow bar with black text."""
    if not style["visible"]:
        return False
    if style["cls"] == "skip-link":
        return style["background"] == YELLOW
    black_edge = "rgb(11, 12, 12)" in style["shadow"]
    if style["tag"] in ("a", "button"):
        return style["background"] == YELLOW and black_edge
    return style["outline"] == f"solid 3px {YELLOW}" and black_edge


def test_keyboard_reaches_player_every_chapter_and_search_with_visible_focus(visit: Visit) -> None:
    page = visit.go(EPISODE)
    chapters = set(
        page.eval_on_selector_all(".chapters__play", "els => els.map(e => e.getAttribute('href'))")
    )
    reached: dict[str, dict] = {}
    page.keyboard.press("Tab")
    first = focus_style(page)
    assert first["cls"] == "skip-link" and first["visible"] and first["background"] == YELLOW
    for _ in range(60):
        style = focus_style(page)
        key = style["id"] or style["href"]
        reached.setdefault(key, style)
        if key == "search-transcript":
            break
        page.keyboard.press("Tab")
    assert "player" in reached, reached.keys()
    assert chapters <= set(reached), chapters - set(reached)
    assert "search-transcript" in reached
    for key in ["player", "search-transcript", *sorted(chapters)]:
        assert visibly_focused(reached[key]), reached[key]
    page.keyboard.type("echocardiogram")
    page.keyboard.press("Enter")
    assert page.text_content(".search__status") == "1 paragraph found for “echocardiogram”"


def test_index_keyboard_reaches_search_and_every_episode(visit: Visit) -> None:
    page = visit.go("index.html")
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        style = focus_style(page)
        seen.append(style["id"] or style["href"])
        assert style["tag"] == "body" or visibly_focused(style), style
        if style["href"] == "accessibility.html":
            break
    assert {"search-all", "01-cardiology/index.html", "02-hostile/index.html", "feed.xml"} <= set(
        seen
    )


def audio_state(page) -> dict:
    return page.evaluate("""() => { const a = document.querySelector('audio');
        const p = document.querySelector('.transcript__para[aria-current="true"]');
        const c = document.querySelector('.chapters__item[aria-current="true"] .chapters__play');
        return {t: a.currentTime, paused: a.paused, para: p && p.id, chapter: c && c.getAttribute('href')}; }""")


def test_plays_and_seeks_by_chapter_and_by_clicking_the_transcript(visit: Visit) -> None:
    page = visit.go(EPISODE)
    url = page.url
    page.click(".chapters__play >> nth=1")  # 0:04 A morning in clinic
    page.wait_for_function("document.querySelector('audio').currentTime > 4.2")
    state = audio_state(page)
    assert not state["paused"] and 4.2 < state["t"] < 8
    assert state["chapter"] == "01-cardiology.mp3#t=4"
    page.wait_for_selector("#p3[aria-current='true']")  # p3 starts at 4.1 s
    assert page.url == url  # seeking did not navigate to the MP3
    page.click("#p6 .transcript__text")  # 9.1 s, in chapter 3
    page.wait_for_function("document.querySelector('audio').currentTime > 9.1")
    state = audio_state(page)
    assert (
        state["para"] == "p6"
        and state["chapter"] == "01-cardiology.mp3#t=8"
        and not state["paused"]
    )
    page.wait_for_function(
        "getComputedStyle(document.getElementById('p6')).backgroundColor == 'rgb(243, 242, 241)'"
    )
    assert page.locator(".transcript__para[aria-current]").count() == 1
    page.click("#p2 .transcript__time")  # a timestamp link seeks too
    page.wait_for_function("Math.abs(document.querySelector('audio').currentTime - 2.2) < 1")
    page.wait_for_selector("#p2[aria-current='true']")
    assert page.url == url


def test_search_within_a_transcript(visit: Visit) -> None:
    page = visit.go(EPISODE)
    page.fill("#search-transcript", "CLINIC")
    page.press("#search-transcript", "Enter")
    assert page.text_content(".search__status") == "2 paragraphs found for “CLINIC”"
    assert page.eval_on_selector_all(
        ".search__results a", "as => as.map(a => a.getAttribute('href'))"
    ) == ["#p1", "#p2"]
    assert page.eval_on_selector_all("#p2 mark", "ms => ms.map(m => m.textContent)") == ["clinic"]
    page.click(".search__results a >> nth=1")
    assert page.evaluate("document.activeElement.id") == "p2"
    page.fill("#search-transcript", "heart nurses")  # every word must appear in the paragraph
    page.press("#search-transcript", "Enter")
    assert page.text_content(".search__status") == "No paragraphs found for “heart nurses”"
    assert page.locator("mark").count() == 0
    page.fill("#search-transcript", "clinic")
    page.press("#search-transcript", "Enter")
    assert page.locator("mark").count() == 4  # two in the transcript, two in the results
    page.fill("#search-transcript", "")  # an empty search clears the marks and the results
    page.press("#search-transcript", "Enter")
    assert page.locator("mark").count() == 0 and page.locator(".search__results li").count() == 0
    assert (
        page.text_content("#p2 .transcript__text")
        == "Thanks Asha, glad to be here at the heart clinic."
    )


def test_search_across_all_episodes(visit: Visit) -> None:
    page = visit.go("index.html")
    page.fill("#search-all", "nurses")
    page.press("#search-all", "Enter")
    assert page.text_content(".search__status") == "1 paragraph in 1 episode found for “nurses”"
    link = page.locator(".search__results a").first
    assert link.get_attribute("href") == "01-cardiology/index.html#p6"
    assert link.text_content() == "Inside the heart clinic, 0:09 Patient"
    page.fill("#search-all", "<script>")
    page.press("#search-all", "Enter")
    assert page.text_content(".search__status") == "1 paragraph in 1 episode found for “<script>”"
    assert page.locator(".search__results script").count() == 0
    assert HOSTILE.split(" ")[0] in page.text_content(".search__results")
    page.fill("#search-all", "nurses")
    page.press("#search-all", "Enter")
    page.click(".search__results a")
    page.wait_for_url("**/01-cardiology/index.html#p6")
    assert page.locator("#p6").is_visible()


def test_works_without_javascript(browser, sample_site) -> None:
    out, _, _ = sample_site
    v = Visit(browser, out, java_script_enabled=False)
    try:
        page = v.go(EPISODE)
        assert not page.locator("[data-search]").is_visible()
        assert page.locator("#p6").is_visible() and page.locator("audio").is_visible()
        assert page.get_attribute(".chapters__play >> nth=2", "href") == "01-cardiology.mp3#t=8"
        assert page.locator(".transcript__para[aria-current]").count() == 0
        page = v.go("index.html")
        assert page.locator(".episode-list__item").count() == 2
    finally:
        v.close()


def test_highlight_does_not_animate_under_reduced_motion(browser, sample_site) -> None:
    out, _, _ = sample_site
    durations = {}
    for motion in ("no-preference", "reduce"):
        v = Visit(browser, out, reduced_motion=motion)
        try:
            page = v.go(EPISODE)
            durations[motion] = page.eval_on_selector(
                "#p1", "e => getComputedStyle(e).transitionDuration"
            )
        finally:
            v.close()
    assert durations["no-preference"] != "0s" and set(durations["reduce"].split(", ")) == {"0s"}


@pytest.mark.parametrize("path", PAGES)
def test_fits_a_320px_window(browser, sample_site, path: str) -> None:
    out, _, _ = sample_site
    v = Visit(browser, out, viewport={"width": 320, "height": 640})
    try:
        page = v.go(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        v.close()


def test_print_stylesheet_keeps_the_transcript_and_drops_the_player(visit: Visit) -> None:
    page = visit.go(EPISODE)
    page.emulate_media(media="print")
    assert not page.locator(".player").is_visible() and not page.locator(".search").is_visible()
    assert page.locator("#p6").is_visible()


def test_screenshot_of_an_episode_page(browser, sample_site, tmp_path: Path) -> None:
    """docs/screenshot-episode.png for the README.

    UPDATE_SCREENSHOT=1 takes it from the test show; UPDATE_SCREENSHOT=/path/to/feed takes it
    from a published site (the README's comes from the sample show's first episode, after
    `make publish`). The picture is cut at SHOT_HEIGHT so it stays readable in a README."""
    from PIL import Image

    setting = os.environ.get("UPDATE_SCREENSHOT", "")
    site = Path(setting) if setting and Path(setting).is_dir() else sample_site[0]
    page_path = sorted(p.relative_to(site).as_posix() for p in site.glob("*/index.html"))[0]
    v = Visit(browser, site, viewport={"width": 1000, "height": 800})
    try:
        page = v.go(page_path)
        second = page.locator(".transcript__para").nth(2)
        second.locator(".transcript__text").click()
        page.wait_for_function(
            "document.querySelectorAll('.transcript__para[aria-current]').length == 1"
        )
        page.evaluate("document.querySelector('audio').pause()")
        page.mouse.move(0, 0)
        shot = tmp_path / "shot.png"
        page.screenshot(path=str(shot), full_page=True)
    finally:
        v.close()
    with Image.open(shot) as im:
        assert im.size[0] == 1000 and im.size[1] > 1500
        if setting:
            im.crop((0, 0, 1000, min(im.size[1], SHOT_HEIGHT))).save(
                REPO / "docs" / "screenshot-episode.png", optimize=True
            )
