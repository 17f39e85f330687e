"""The notebooks as a student sees them in JupyterLab (headless Chromium, local only).

A JupyterLab server is started once for the module on 127.0.0.1 (a free port, a random
token, every Jupyter directory that it could write to pointed at a temporary folder, the
checkpoints that JupyterLab saves on opening a notebook too, and autosave off, so that
nothing is written into the repository). Then:

* every ``notebooks/*.ipynb`` is opened, not run, and its rendered Markdown is checked:
  no MathJax error, no undefined TeX macro (JupyterLab's MathJax shows those in red), no
  maths left as raw TeX, and no MyST syntax that plain Markdown leaves visible (roles such
  as ``{eq}`` and ``{cite}``, directive fences, ``$$ … $$ (label)``);
* the notebook with the latent explorer is run (Run > Run All Cells), must finish without
  an error output, and moving the explorer's first slider must change the decoded image.

JupyterLab attaches notebook cells to the page lazily (setting ``windowingMode``; its
default, ``contentVisibility``, adds the cells in batches, and ``full`` renders only the
cells in view), so the server gets a user setting ``windowingMode: "none"``: every cell is
attached and its Markdown rendered and typeset when the notebook opens. The test still
waits until the page holds as many cells and rendered Markdown cells as the file and the
maths has stopped changing, so a setting that does not take effect fails instead of
passing on half a notebook.

``AECOURSE_LAB_ROOT`` names another folder with a ``notebooks/`` subfolder to check
(e.g. a scratch copy); the default is the repository.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAB_ROOT = Path(os.environ.get("AECOURSE_LAB_ROOT", ROOT)).resolve()
NOTEBOOKS = sorted((LAB_ROOT / "notebooks").glob("*.ipynb"))
EXPLORER_CALL = "latent_explorer("
# User settings given to the server (JUPYTERLAB_SETTINGS_DIR): attach and render every
# cell up front, never save, no news or update checks.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def cells_of(path: Path) -> list[dict]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if isinstance(cell["source"], list):
            cell["source"] = "".join(cell["source"])
    return cells


def explorer_cell(path: Path) -> int | None:
    for i, cell in enumerate(cells_of(path)):
        if cell["cell_type"] == "code" and EXPLORER_CALL in cell["source"]:
            return i
    return None


# --- the server and the browser ---------------------------------------------------------


class Lab:
    def __init__(self, url: str, token: str):
        self.url, self.token = url, token

    def api(self, method: str, path: str):
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self):
        for session in self.api("GET", "api/sessions"):
            self.api("DELETE", f"api/sessions/{session['id']}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(chromium, tmp_path_factory):
    home = tmp_path_factory.mktemp("jupyterlab")
    for name, values in LAB_SETTINGS.items():
        path = home / "settings" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        IPYTHONDIR=str(home / "ipython"),
    )
    # JupyterLab saves a checkpoint of each notebook it opens: keep those out of the repo
    (home / "checkpoints" / "notebooks").mkdir(parents=True)
    token, port = secrets.token_hex(16), free_port()
    jupyter = Path(sys.executable).with_name("jupyter")
    command = [
        str(jupyter) if jupyter.exists() else "jupyter",
        "lab",
        "--no-browser",
        f"--IdentityProvider.token={token}",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={LAB_ROOT}",
        f"--FileCheckpoints.root_dir={home / 'checkpoints'}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.extension_manager=readonly",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--ServerApp.allow_root=True")
    log = home / "server.log"
    with open(log, "wb") as out:
        # its own process group, so that kernels go too if the server must be killed
        server = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    lab = Lab(f"http://127.0.0.1:{port}/", token)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                lab.api("GET", "api/status")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        yield lab
    finally:
        server.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture(scope="module")
def jupyterlab(browser, lab):
    """One browser page with JupyterLab loaded, shared by the tests.

    Loading JupyterLab takes a few seconds, so the page is loaded once (``/lab?reset``)
    and each notebook is then opened in it as the file browser would, with the command
    ``docmanager:open`` (the server exposes the app as ``window.jupyterapp`` for this).
    """
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{lab.url}lab?token={lab.token}&reset")
        page.wait_for_function("() => window.jupyterapp", timeout=60000)
        page.evaluate("() => window.jupyterapp.restored")
        yield page
    finally:
        page.close()


# Done when the page holds every cell and every Markdown cell rendered, and the cells'
# HTML (the maths included) has not changed for 750 ms.
SETTLED = """([nCells, nMarkdown]) => {
  const notebook = document.querySelector('.jp-Notebook');
  if (!notebook) return false;
  const cells = notebook.querySelectorAll('.jp-Cell').length;
  const rendered = notebook.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown').length;
  if (cells < nCells || rendered < nMarkdown) { window.__aeState = null; return false; }
  const state = [cells, rendered, notebook.querySelectorAll('mjx-container').length,
                 notebook.innerHTML.length].join('/');
  if (window.__aeState !== state) { window.__aeState = state; window.__aeSince = Date.now(); }
  return Date.now() - window.__aeSince > 750;
}"""
OPEN = """async (path) => {
  window.__aeState = null;
  window.__aeNotebook = await window.jupyterapp.commands.execute(
    'docmanager:open', {path, factory: 'Notebook'});
}"""
DISMISS_DIALOGS = """() => document.querySelectorAll('.jp-Dialog').forEach(dialog => {
  const cancel = dialog.querySelector('.jp-Dialog-button.jp-mod-reject');
  if (cancel) cancel.click(); else dialog.remove();
})"""
CLOSE = (
    "() => { if (window.__aeNotebook) window.__aeNotebook.dispose(); window.__aeNotebook = null; }"
)


@contextlib.contextmanager
def notebook_open(page, lab: Lab, path: Path):
    """Open a notebook in JupyterLab, wait until every cell is on the page and rendered;
    close it (without saving) and shut its kernel down afterwards."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    cells = cells_of(path)
    n_markdown = sum(cell["cell_type"] == "markdown" for cell in cells)
    page.evaluate(OPEN, f"{path.parent.name}/{path.name}")
    try:
        try:
            page.wait_for_function(
                SETTLED, arg=[len(cells), n_markdown], polling=250, timeout=60000
            )
        except PlaywrightTimeout:
            found = page.evaluate(
                "() => [document.querySelectorAll('.jp-Notebook .jp-Cell').length,"
                " document.querySelectorAll('.jp-Notebook .jp-RenderedMarkdown').length]"
            )
            pytest.fail(
                f"{path.name}: JupyterLab showed {found[0]} of {len(cells)} cells and "
                f"rendered {found[1]} of {n_markdown} Markdown cells "
                "(did the setting windowingMode 'none' take effect?)"
            )
        assert page.locator(".jp-Notebook .jp-Cell").count() == len(cells)
        yield
    finally:
        page.evaluate(CLOSE)
        page.wait_for_function("() => !document.querySelector('.jp-Notebook')")
        lab.shut_down_kernels()
        page.evaluate(DISMISS_DIALOGS)  # e.g. a kernel picker, for a notebook without kernel


# --- step 1: every notebook opened, its Markdown as JupyterLab renders it ----------------

# For each Markdown cell (by index among all cells): its rendered text written back in a
# Markdown-like form (inline code between backticks, maths
# and code blocks as placeholders, so that a role stays next to its argument and a label
# next to its equation), and what the DOM says directly (MathJax's errors, undefined
# macros in red, directive fences that became code blocks).
MARKDOWN_FINDINGS = r"""() => {
  const flatten = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return node.textContent;
    if (node.nodeType !== Node.ELEMENT_NODE) return '';
    const tag = node.tagName.toLowerCase();
    if (tag === 'mjx-container')
      return node.getAttribute('display') === 'true' ? '⟨display maths⟩' : '⟨maths⟩';
    if (tag === 'pre') return '\n⟨code block⟩\n';
    if (tag === 'code') return '`' + node.textContent + '`';
    const text = Array.from(node.childNodes).map(flatten).join('');
    return /^(p|h[1-6]|li|blockquote|div|table|tr)$/.test(tag) ? '\n' + text + '\n' : text;
  };
  return Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell')).map((cell, index) => {
    if (!cell.classList.contains('jp-MarkdownCell')) return null;
    const md = cell.querySelector('.jp-RenderedMarkdown');
    const dom = [];
    md.querySelectorAll('mjx-merror').forEach(e =>
      dom.push(`MathJax error "${e.getAttribute('data-mjx-error')}": ${e.textContent}`));
    md.querySelectorAll('mjx-container').forEach(math => {
      if (!math.querySelector('mjx-mtext[style*="color: red"], mjx-mtext[style*="color:red"]'))
        return;
      const names = Array.from(math.querySelectorAll('mtext[mathcolor="red"]'))
        .map(e => e.textContent);
      dom.push(`undefined TeX macro (shown in red): ${names.join(' ') || '?'}`);
    });
    md.querySelectorAll('pre code[class*="language-{"]').forEach(code =>
      dom.push(`MyST directive shown as a code block: ${code.className.replace('language-', '')}`));
    return {index, markdown: flatten(md), dom};
  }).filter(Boolean);
}"""

# What plain Markdown leaves visible when it was written for MyST, or TeX that MathJax
# did not typeset; each is looked for in the Markdown-like text ("markdown") or in that
# text without its inline code ("prose").
LEFTOVERS = {
    "MyST directive fence": ("prose", re.compile(r"^[ \t>]*(`{3,}|~{3,}|:{3,})\{.*$", re.M)),
    "MyST role": (
        "markdown",
        re.compile(
            r"\{(eq|cite(:\w+)?|doc|ref|numref|term|download|math|abbr|prf:ref)\}"
            r"|\{[A-Za-z][\w:.+-]*\}(?=`)"
        ),
    ),
    "MyST equation label": (
        "markdown",
        re.compile(r"(⟨display maths⟩|\$\$)[ \t]*\([ \t]*[A-Za-z][\w:.-]*[ \t]*\)"),
    ),
    "raw TeX (maths MathJax did not typeset)": (
        "prose",
        re.compile(r"\$|\\\(|\\\)|\\\[|\\\]|\\[A-Za-z]+"),
    ),
}


def leftovers(cell: dict) -> list[str]:
    texts = dict(cell, prose=re.sub(r"`[^`\n]*`", "", cell["markdown"]))
    found = []
    for name, (where, pattern) in LEFTOVERS.items():
        matches = list(pattern.finditer(texts[where]))
        if matches:
            text, m = texts[where], matches[0]
            around = " ".join(text[max(0, m.start() - 30) : m.end() + 30].split())
            more = f" (and {len(matches) - 1} more)" if len(matches) > 1 else ""
            found.append(f"{name}: {m.group(0)!r} in “{around}”{more}")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_markdown_renders_cleanly_in_jupyterlab(jupyterlab, lab, path):
    with notebook_open(jupyterlab, lab, path):
        found = jupyterlab.evaluate(MARKDOWN_FINDINGS)
        n_maths = jupyterlab.locator(".jp-Notebook mjx-container").count()
    cells = cells_of(path)
    problems = []
    for cell in found:
        where = f"cell {cell['index']} ({cells[cell['index']]['source'].strip()[:60]!r})"
        problems += [f"{where}: {item}" for item in cell["dom"] + leftovers(cell)]
    assert not problems, f"{path.name} in JupyterLab:\n" + "\n".join(problems)
    has_maths = any(cell["cell_type"] == "markdown" and "$" in cell["source"] for cell in cells)
    assert n_maths or not has_maths, f"{path.name}: has maths, but MathJax typeset none"


# --- step 2: the latent explorer, run and moved -----------------------------------------

BUSY = (
    "Array.from(document.querySelectorAll('.jp-Notebook .jp-InputPrompt'))"
    ".some(p => p.textContent.includes('*'))"
)
# Run All has finished: a cell was seen busy ([*]) and none is now (after an error the
# kernel drops the cells still queued, which then show [ ]).
RUN_FINISHED = f"""() => {{
  const busy = {BUSY};
  if (busy) window.__aeSawBusy = true;
  return !busy && !!window.__aeSawBusy;
}}"""
# Error outputs, read from the notebook's model: JupyterLab renders a traceback with the
# MIME type of stderr, like any text on stderr, so the page alone does not tell them apart.
ERRORS = """() => window.__aeNotebook.context.model.toJSON().cells.flatMap((cell, i) =>
  (cell.outputs || []).filter(out => out.output_type === 'error').map(out =>
    `cell ${i}: ${out.ename}: ${out.evalue}`))"""
IMAGE_BYTES = """async (img) => {
  const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
  let hash = 0;
  for (const b of bytes) hash = (hash * 31 + b) | 0;
  return `${bytes.length}:${hash}`;
}"""


def test_latent_explorer_runs_and_responds_in_jupyterlab(jupyterlab, lab):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with_explorer = [path for path in NOTEBOOKS if explorer_cell(path) is not None]
    assert with_explorer, f"no notebook calls {EXPLORER_CALL}"
    path = with_explorer[0]
    index = explorer_cell(path)
    page = jupyterlab
    with notebook_open(page, lab, path):
        page.evaluate("() => { window.__aeSawBusy = false; }")
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        page.wait_for_function(RUN_FINISHED, polling=250, timeout=180000)
        errors = page.evaluate(ERRORS)
        assert not errors, f"{path.name}: Run All Cells gave errors: {errors}"
        cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
        handle = cell.locator(".jp-OutputArea-output .noUi-handle").first
        image = cell.locator(".jp-OutputArea-output img.widget-image").first
        readout = cell.locator(".jp-OutputArea-output .widget-readout").first
        try:  # widget views render a moment after the cell has run
            handle.wait_for(timeout=15000)
        except PlaywrightTimeout:
            pytest.fail(f"{path.name}: the latent explorer (cell {index}) shows no slider")
        assert image.count() == 1, f"{path.name}: the latent explorer shows no image"
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        before = image.get_attribute("src"), image.evaluate(IMAGE_BYTES), readout.inner_text()

        handle.focus()
        for _ in range(10):
            handle.press("ArrowRight")
        try:
            page.wait_for_function(
                "([img, src]) => img.getAttribute('src') !== src && img.complete"
                " && img.naturalWidth > 0",
                arg=[image.element_handle(), before[0]],
                timeout=20000,
            )
        except PlaywrightTimeout:
            pytest.fail(
                f"{path.name}: moving the slider (readout {before[2]} -> "
                f"{readout.inner_text()}) did not redraw the image within 20 s"
            )
        after = image.get_attribute("src"), image.evaluate(IMAGE_BYTES), readout.inner_text()
        assert after[2] != before[2], f"the slider did not move (readout {before[2]})"
        assert after[1] != before[1], "the image was redrawn but did not change"
