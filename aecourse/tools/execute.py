"""Execute notebooks in place, as the committed outputs must be produced.

    python -m aecourse.tools.execute notebooks/*.ipynb [--timeout 600] [--no-write]

Each notebook runs in a fresh kernel from the current environment, with its own
folder as the working directory; outputs and widget state are saved into the
file (unless ``--no-write``), and the wall time of each notebook is printed as a
table (``make timings`` prints it without touching the files).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path, timeout: int, write: bool = True) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    if write:
        nbformat.write(nb, path)
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="only time the notebooks; leave the files as they are",
    )
    args = parser.parse_args(argv)
    rows = []
    for path in args.notebooks:
        print(f"executing {path} ...", flush=True)
        rows.append((path.name, execute(path, args.timeout, write=not args.no_write)))
    print("\n| notebook | seconds |\n| --- | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.1f} |")
    print(f"| **all** | {sum(seconds for _, seconds in rows):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
