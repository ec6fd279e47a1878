"""Prepare notebooks for commit: optionally execute them, then clear every output nbval does not check.

    python tools/nbclean.py notebooks/00_start_here.ipynb [--execute]

Cells marked ``# NBVAL_CHECK_OUTPUT`` keep their (freshly executed) outputs: they are the reference
nbval compares against. Every other cell is cleared so notebooks stay small and open trusted.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

MARK = "# NBVAL_CHECK_OUTPUT"


def clean(path: Path, execute: bool) -> None:
    nb = nbformat.read(path, as_version=4)
    if execute:
        from nbclient import NotebookClient

        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # kernel timestamps: change on every run, mean nothing
        if cell.cell_type != "code":
            continue
        if MARK not in cell.source:
            cell.outputs, cell.execution_count = [], None
        else:
            cell.outputs = [o for o in cell.outputs if o.get("output_type") != "display_data"
                            or "application/vnd.jupyter.widget-view+json" not in o.get("data", {})]
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--execute", action="store_true", help="run the notebook first (fresh outputs)")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        clean(path, args.execute)
        print(f"cleaned {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
