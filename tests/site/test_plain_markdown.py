"""The notebooks as a plain Markdown + MathJax renderer shows them (what Colab and GitHub
do): every Markdown cell rendered with markdown-it-py (CommonMark, tables, $-maths kept
for MathJax, raw HTML allowed) into one page per notebook, typeset by MathJax 3 in
headless Chromium. No MathJax error, no raw MyST (roles, directive fences, equation
labels) and no TeX left unrendered. The student edition is checked the same way.

Also here, on the built site: each page numbers its equations as the notebook's
``\\tag{...}`` says, so that a reader of either sees the same numbers.
"""

from __future__ import annotations

import functools
import html
import http.server
import re
import shutil
import threading
from pathlib import Path

import nbformat
import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from test_site import SITE, pages

from aecourse.tools.portable_markdown import equation_numbers
from aecourse.tools.student import student_edition

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MATHJAX = SITE / "mathjax"
# What a plain renderer would show as text if a notebook still used MyST.
RAW_MYST = re.compile(r"\{(?:eq|cite|cite:p|cite:t|doc|ref|numref)\}|[`:]{3,}\{|\$\$ *\(|:label:")
RAW_TEX = re.compile(r"\$|\\\(|\\\)|\\\[|\\\]|\\(?:frac|mathcal|mathbb|begin|sum|log|tag)\b")


def renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table").use(dollarmath_plugin)
    md.add_render_rule(
        "math_inline",
        lambda self, tokens, idx, options, env: rf"\({html.escape(tokens[idx].content)}\)",
    )
    md.add_render_rule(
        "math_block",
        lambda self, tokens, idx, options, env: (
            f"<div class='display'>\\[{html.escape(tokens[idx].content)}\\]</div>\n"
        ),
    )
    return md


def plain_page(nb) -> str:
    md = renderer()
    cells = "\n".join(
        f"<section class='cell'>{md.render(cell.source)}</section>"
        for cell in nb.cells
        if cell.cell_type == "markdown"
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        # without the noundefined package, an undefined macro is a MathJax error (with it,
        # MathJax would show the macro's name in red, as JupyterLab does)
        "<script>window.MathJax = {tex: {inlineMath: [['\\\\(', '\\\\)']],"
        " packages: {'[-]': ['noundefined']}}};</script>"
        "<script src='mathjax/es5/tex-chtml.js'></script></head>"
        f"<body>{cells}</body></html>"
    )


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory):
    if not (MATHJAX / "es5" / "tex-chtml.js").exists():
        pytest.fail(f"no MathJax at {MATHJAX}: build the site first (make build-committed)")
    folder = tmp_path_factory.mktemp("plain")
    shutil.copytree(MATHJAX, folder / "mathjax")
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        (folder / f"{path.stem}.html").write_text(plain_page(nb), encoding="utf-8")
        (folder / f"student-{path.stem}.html").write_text(
            plain_page(student_edition(nb)), encoding="utf-8"
        )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", folder
    httpd.shutdown()


TEXT_OUTSIDE_MATHS_AND_CODE = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest('code, pre, mjx-container, script')) parts.push(node.textContent);
  }
  return parts.join(' ');
}"""


@pytest.mark.parametrize("edition", ["", "student-"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_plain_renderer_shows_no_raw_markup(browser, plain_site, path, edition):
    url, _ = plain_site
    page = browser.new_page()
    try:
        page.goto(f"{url}{edition}{path.stem}.html", wait_until="load")
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")
        assert page.locator("mjx-container").count() > 0, "no maths was typeset"
        errors = page.evaluate(
            "() => Array.from(document.querySelectorAll('mjx-merror'))"
            ".map(e => e.closest('mjx-container').getAttribute('aria-label') || e.textContent)"
        )
        assert not errors, f"MathJax errors: {errors[:5]}"
        text = page.evaluate(TEXT_OUTSIDE_MATHS_AND_CODE)
        for pattern, what in ((RAW_MYST, "raw MyST"), (RAW_TEX, "raw TeX")):
            found = [
                " ".join(text[max(0, m.start() - 30) : m.end() + 30].split())
                for m in pattern.finditer(text)
            ]
            assert not found, f"{what} on the page: {found[:5]}"
    finally:
        page.close()


def test_the_plain_checks_can_fail(browser, plain_site):
    """A cell with a role, a site-only macro and a directive fails the checks above."""
    url, folder = plain_site
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("By {eq}`a`, $\\KL(q)$.\n\n```{note}\nx\n```")]
    )
    (folder / "bad.html").write_text(plain_page(nb), encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(f"{url}bad.html", wait_until="load")
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")
        assert page.locator("mjx-merror").count() == 1  # \KL is not defined
        text = page.evaluate(TEXT_OUTSIDE_MATHS_AND_CODE)
        assert RAW_MYST.search(text)
    finally:
        page.close()


@pytest.mark.parametrize(
    "page_path",
    [p for p in pages() if p.parent.name == "notebooks"],
    ids=lambda p: p.stem,
)
def test_site_numbers_equations_as_the_notebook_tags_them(page_path):
    nb = nbformat.read(ROOT / "notebooks" / f"{page_path.stem}.ipynb", as_version=4)
    tags = [
        f"({number})"
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for number in equation_numbers(cell.source).values()
    ]
    site = re.findall(r'class="eqno">(\([\d.]+\))', page_path.read_text(encoding="utf-8"))
    assert site == tags
