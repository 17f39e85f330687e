"""Point the book at a repository: the launch buttons and every notebook's install cell.

    python -m aecourse.tools.set_repository https://github.com/OWNER/REPO

Sets ``repository.url`` in ``_config.yml`` (which drives the Colab, Binder and
repository buttons) and rewrites the ``%pip install`` line in the first code cell
of every notebook, so that "Open in Colab, Run all" installs aecourse from the same
repository. Outputs are untouched (the install line only runs where aecourse is
missing).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

URL = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+$")
CONFIG_URL = re.compile(r"^(  url: )(\S+)$", re.M)
INSTALL = re.compile(r'(%pip install -q "aecourse @ git\+)([^"]+)(")')


def repository_url(root: Path) -> str:
    """The repository URL that ``_config.yml`` names."""
    match = CONFIG_URL.search((root / "_config.yml").read_text(encoding="utf-8"))
    if match is None:
        raise ValueError("_config.yml has no repository url")
    return match.group(2)


def install_url(nb) -> str | None:
    """The URL the first code cell installs aecourse from, or None."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            match = INSTALL.search(cell.source)
            return match.group(2) if match else None
    return None


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
        first = next(cell for cell in nb.cells if cell.cell_type == "code")
        source = INSTALL.sub(lambda m: m.group(1) + url + m.group(3), first.source)
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
