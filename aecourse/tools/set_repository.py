"""Point the book at a repository: the launch buttons and every notebook's install cell.

    python -m aecourse.tools.set_repository https://github.com/OWNER/REPO

Sets ``repository.url`` in ``_config.yml`` (which drives the Colab, Binder and
repository buttons) and rewrites the install block (``try: import aecourse`` ...)
at the top of the first code cell of every notebook, so that "Open in Colab, Run all"
installs aecourse from the same repository. While the URL is still the placeholder
:data:`PLACEHOLDER`, the block installs nothing: it stops with a message that says
how to install aecourse. Outputs are untouched (the block only acts where aecourse is
missing).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

# The URL that _config.yml carries until an instructor runs this tool.
PLACEHOLDER = "https://github.com/aecourse/aecourse"

URL = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+$")
CONFIG_URL = re.compile(r"^(  url: )(\S+)$", re.M)
INSTALL = re.compile(r'%pip install -q "aecourse @ git\+([^"]+)"')
# "try: import aecourse / except ImportError:" and the indented lines that follow
BLOCK = re.compile(r"^try:\n    import aecourse\nexcept ImportError:.*(?:\n    .*)+", re.M)

INSTALL_CELL = """\
try:
    import aecourse
except ImportError:
    %pip install -q "aecourse @ git+{url}"\
"""

NOT_INSTALLED_CELL = """\
try:
    import aecourse
except ImportError:  # instructors: python -m aecourse.tools.set_repository URL
    raise ImportError(
        "aecourse is not installed, and this copy of the book does not say where it lives: "
        "run  %pip install git+<URL of the aecourse repository>  (or the path of its folder "
        "or wheel) in a new cell, or ask your instructor"
    ) from None\
"""


def install_cell(url: str) -> str:
    """The install block for ``url``: install from it, or, for the placeholder, explain."""
    return NOT_INSTALLED_CELL if url == PLACEHOLDER else INSTALL_CELL.format(url=url)


def repository_url(root: Path) -> str:
    """The repository URL that ``_config.yml`` names."""
    match = CONFIG_URL.search((root / "_config.yml").read_text(encoding="utf-8"))
    if match is None:
        raise ValueError("_config.yml has no repository url")
    return match.group(2)


def _first_code(nb):
    return next((cell for cell in nb.cells if cell.cell_type == "code"), None)


def install_block(nb) -> str | None:
    """The install block (``try: import aecourse`` ...) of the first code cell, or None."""
    first = _first_code(nb)
    match = BLOCK.search(first.source) if first is not None else None
    return match.group(0) if match else None


def install_url(nb) -> str | None:
    """The URL the install block installs aecourse from; None if it installs nothing."""
    match = INSTALL.search(install_block(nb) or "")
    return match.group(1) if match else None


def set_repository(root: Path, url: str) -> list[Path]:
    """Write ``url`` into ``_config.yml`` and each notebook; return the files changed."""
    if not URL.match(url):
        raise ValueError(f"url must look like https://github.com/OWNER/REPO, got {url!r}")
    changed = []
    config = root / "_config.yml"
    text = config.read_text(encoding="utf-8")
    new, count = CONFIG_URL.subn(lambda m: m.group(1) + url, text, count=1)
    if count != 1:
        raise ValueError("_config.yml has no repository url")
    if new != text:
        config.write_text(new, encoding="utf-8")
        changed.append(config)
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        first = _first_code(nb)
        if first is None or BLOCK.search(first.source) is None:
            raise ValueError(f"{path}: the first code cell has no install block to rewrite")
        source = BLOCK.sub(lambda m: install_cell(url), first.source, count=1)
        if source != first.source:
            first.source = source
            nbformat.write(nb, path)
            changed.append(path)
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--root", type=Path, default=Path("."))
    args = parser.parse_args(argv)
    for path in set_repository(args.root, args.url):
        print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
