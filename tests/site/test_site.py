"""The built site, opened in a real browser (headless Chromium) with the network off.

Run after the book build (``make test`` does): it reads ``_build/html`` (or the
folder named by ``AECOURSE_SITE``), serves it on 127.0.0.1 and blocks every
request to any other address. For every page it checks that the maths rendered
(no raw TeX left, no MathJax error), every image loaded, every widget rendered, no
console error came from the page, and exercise solutions start collapsed. Internal
links are checked on the HTML files. A screenshot of each chapter's first screen
is kept in ``_build/screenshots``.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("AECOURSE_SITE", ROOT / "_build" / "html"))
SCREENSHOTS = ROOT / "_build" / "screenshots"
# Raw TeX that MathJax should have replaced: delimiters (the book's prose has no other
# dollar signs) and common commands.
RAW_TEX = re.compile(r"\$|\\\(|\\\)|\\\[|\\\]|\\(frac|mathcal|mathbb|begin|sum|log|KL|E)\b")


def pages() -> list[Path]:
    if not SITE.is_dir():
        return []
    found = [*SITE.glob("book/*.html"), *SITE.glob("notebooks/*.html")]
    return sorted(found)


def test_site_was_built():
    assert SITE.is_dir(), f"no built site at {SITE}: run `make book` (or `make build`) first"
    assert pages(), f"no pages under {SITE}/book or {SITE}/notebooks"
    assert (SITE / "mathjax" / "es5" / "tex-chtml.js").exists(), "MathJax is not served locally"
    assert (
        SITE / "widgets" / "@jupyter-widgets" / "html-manager" / "dist" / "embed-amd.js"
    ).exists(), "the widget manager is not served locally"


# --- internal links, checked on the HTML files ------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        for key in ("src",):
            if attrs.get(key) and tag in ("img", "script"):
                self.hrefs.append(attrs[key])


@functools.cache
def parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(SITE)))
def test_internal_links(page):
    broken = []
    for href in parse(page).hrefs:
        url = urlparse(href)
        if url.scheme or href.startswith("//") or href.startswith("mailto:"):
            continue
        target = page if not url.path else (page.parent / unquote(url.path)).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            broken.append(f"{href} (no file)")
        elif url.fragment and target.suffix == ".html":
            if unquote(url.fragment) not in parse(target).ids:
                broken.append(f"{href} (no anchor)")
    assert not broken, f"broken internal links in {page.name}: {broken}"


# --- the browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SITE))
    http.server.SimpleHTTPRequestHandler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def open_page(browser, server, page_path: Path):
    """Load a page with every off-site request blocked; return (page, problems)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = {"blocked": [], "console": [], "failed": []}

    def route(request_route):
        url = request_route.request.url
        if url.startswith(server) or url.startswith("data:") or url.startswith("blob:"):
            request_route.continue_()
        else:
            problems["blocked"].append(url)
            request_route.abort()

    page.route("**/*", route)
    page.on(
        "console",
        lambda msg: problems["console"].append(msg.text) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda err: problems["console"].append(str(err)))
    page.on("requestfailed", lambda req: problems["failed"].append(req.url))
    page.on(
        "response",
        lambda resp: (
            problems["failed"].append(f"{resp.status} {resp.url}") if resp.status >= 400 else None
        ),
    )
    url = urljoin(server, page_path.relative_to(SITE).as_posix())
    page.goto(url, wait_until="load")
    if page.locator('script[src*="mathjax"]').count():  # Sphinx adds MathJax only where needed
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")
    return context, page, problems


VISIBLE_TEXT_WITHOUT_CODE = """() => {
  const skip = 'pre, code, script, style, mjx-container, .highlight, textarea, .widget-html';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest(skip)) parts.push(node.textContent);
  }
  return parts.join(' ');
}"""


@pytest.mark.parametrize("page_path", pages(), ids=lambda p: str(p.relative_to(SITE)))
def test_page_in_browser(browser, server, page_path):
    context, page, problems = open_page(browser, server, page_path)
    try:
        n_widgets = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
        if n_widgets:
            page.wait_for_function(
                f"() => document.querySelectorAll('.jupyter-widgets').length >= {n_widgets}",
                timeout=15000,
            )
        text = page.evaluate(VISIBLE_TEXT_WITHOUT_CODE)
        raw = [
            " ".join(text[max(0, m.start() - 30) : m.end() + 30].split())
            for m in RAW_TEX.finditer(text)
        ]
        assert not raw, f"raw TeX left on the page: {raw[:5]}"
        assert page.locator("mjx-merror").count() == 0, "MathJax reported a TeX error"
        broken_images = page.evaluate(
            "() => Array.from(document.images)"
            ".filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)"
        )
        assert not broken_images, f"images that did not load: {broken_images}"
        hidden = page.evaluate(
            "() => Array.from(document.querySelectorAll('.solution.dropdown'))"
            ".filter(sol => { const body = sol.querySelector('.admonition-title ~ *');"
            " const style = body && getComputedStyle(body);"
            " return body && (style.visibility === 'hidden' || style.display === 'none'"
            " || body.getBoundingClientRect().height === 0); }).length"
        )
        total = page.locator(".solution.dropdown").count()
        assert hidden == total, f"{total - hidden} of {total} solutions are shown expanded"
        assert not problems["blocked"], f"requests that needed the network: {problems['blocked']}"
        assert not problems["console"], f"console errors: {problems['console']}"
        assert not problems["failed"], f"failed requests: {problems['failed']}"
        if page_path.parent.name == "notebooks":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{page_path.stem}.png"))
    finally:
        context.close()


def test_every_page_has_rendered_maths_where_it_has_tex(browser, server):
    """Guard against a vacuous raw-TeX check: pages with maths contain MathJax output."""
    checked = 0
    for page_path in pages():
        if "\\(" not in page_path.read_text(encoding="utf-8") and "\\[" not in page_path.read_text(
            encoding="utf-8"
        ):
            continue
        context, page, _ = open_page(browser, server, page_path)
        try:
            assert page.locator("mjx-container").count() > 0, f"{page_path.name}: no maths rendered"
            checked += 1
        finally:
            context.close()
    assert checked > 0, "no page with maths found"


def test_every_notebook_page_carries_its_committed_outputs():
    """``make test`` builds the site from the committed outputs (execution off): each
    notebook page must show them, e.g. the first plain line that its cells printed."""
    import html

    import nbformat

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        printed = [
            line.strip()
            for cell in nb.cells
            if cell.cell_type == "code"
            for out in cell.get("outputs", [])
            if out.output_type == "stream"
            for line in out.text.splitlines()
            if re.fullmatch(r"[A-Za-z][\w ,.:()=-]{15,}", line.strip())
        ]
        assert printed, f"{path.name} has no printed output to look for"
        page = (SITE / "notebooks" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert html.escape(printed[0]) in page, (path.name, printed[0])
