"""Execute notebooks in place, as the committed outputs must be produced.

    python -m aecourse.tools.execute notebooks/*.ipynb [--timeout 600] [--no-write]
    python -m aecourse.tools.execute notebooks/*.ipynb --scale-up --output-dir out/

Each notebook runs in a fresh kernel from the current environment, with its own
folder as the working directory; outputs and widget state are saved into the
file (unless ``--no-write``), and the wall time of each notebook is printed as a
table (``make timings`` prints it without touching the files).

``--scale-up`` runs each notebook with its switch ``FAST = False`` (more data and
epochs, for a GPU) without changing the file: the committed outputs are those of
``FAST = True``, so with it the executed notebooks go only to ``--output-dir``.

A notebook that fails (an error in a cell, a cell past ``--timeout``, a kernel
that dies, a file that is missing or is not a notebook) is reported in the table
and the others still run; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

#: The first line of every notebook's first code cell: the one switch that scales
#: data and epochs up for a GPU.
FAST_LINE = "FAST = True"


def scale_up(nb: nbformat.NotebookNode) -> None:
    """Set the notebook's switch to ``FAST = False`` (in memory)."""
    first = next((cell for cell in nb.cells if cell.cell_type == "code"), None)
    if first is None or not first.source.startswith(FAST_LINE):
        raise ValueError(f"the first code cell must start with {FAST_LINE!r} to be scaled up")
    first.source = "FAST = False" + first.source[len(FAST_LINE) :]


def execute(
    path: Path,
    timeout: int,
    write: bool = True,
    fast: bool = True,
    output: Path | None = None,
) -> float:
    """Run one notebook; return its wall time in seconds.

    The executed notebook is written back to ``path`` when ``write`` and to
    ``output`` when given.
    """
    nb = nbformat.read(path, as_version=4)
    if not fast:
        scale_up(nb)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
        # one stream per cell, with "\r" applied: a progress bar keeps only its last state
        coalesce_streams=True,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    if write:
        nbformat.write(nb, path)
    if output is not None:
        nbformat.write(nb, output)
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
    parser.add_argument(
        "--scale-up",
        action="store_true",
        help="run with FAST = False (more data and epochs); never writes the files back",
    )
    parser.add_argument(
        "--output-dir", type=Path, help="also write each executed notebook into this folder"
    )
    args = parser.parse_args(argv)
    if args.output_dir is not None:
        args.output_dir.mkdir(parents=True, exist_ok=True)
    write = not (args.no_write or args.scale_up)
    rows = []
    for path in args.notebooks:
        print(f"executing {path} ...", flush=True)
        output = args.output_dir / path.name if args.output_dir is not None else None
        try:
            seconds = execute(
                path, args.timeout, write=write, fast=not args.scale_up, output=output
            )
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
            print(f"FAILED {path}:\n{err}", flush=True)
            rows.append((path.name, None))
            continue
        except (OSError, ValueError) as err:  # missing, not a notebook, no FAST switch
            print(f"FAILED {path}: cannot run it ({type(err).__name__}: {err})", flush=True)
            rows.append((path.name, None))
            continue
        print(f"{path.name}: {seconds:.1f} s", flush=True)
        rows.append((path.name, seconds))
    print("\n| notebook | seconds |\n| --- | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {'FAILED' if seconds is None else f'{seconds:.1f}'} |")
    done = [seconds for _, seconds in rows if seconds is not None]
    print(f"| **all** | {sum(done):.1f} |")
    return 0 if len(done) == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
