"""Execute notebooks in place, as the committed outputs must be produced.

    python -m aecourse.tools.execute notebooks/*.ipynb [--timeout 600]

Each notebook runs in a fresh kernel from the current environment, with its own
folder as the working directory; outputs and widget state are saved into the
file, and the wall time of each notebook is printed as a table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path, timeout: int) -> float:
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
    nbformat.write(nb, path)
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    rows = []
    for path in args.notebooks:
        print(f"executing {path} ...", flush=True)
        rows.append((path.name, execute(path, args.timeout)))
    print("\n| notebook | seconds |\n| --- | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
