"""Case commands for ``python -m painkit``: schema, new-case, cache (``validate`` also checks keys against the
mechanism criteria, so it lives in ``painkit.mechanisms._authoring``)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .._validate import os_problem
from ._case import json_schema


def add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    if name == "cache":
        p.add_argument("folders", nargs="*", help="case folders (default: $PAINKIT_CASES and the shipped cases)")
    if name == "new-case":
        p.add_argument("id", help="case id, also the file name (lower-case letters, digits, '-')")
        p.add_argument("--folder", default=".", help="where to write ID.yaml (default: current folder)")


def cmd_schema(args: argparse.Namespace) -> int:
    try:
        sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")
        sys.stdout.flush()
    except OSError as exc:
        print(f"schema: {os_problem(exc, '<standard output>')}", file=sys.stderr)
        return 1
    return 0


def cmd_new_case(args: argparse.Namespace) -> int:
    from ..errors import CaseError
    from ._template import write_template

    try:
        path = write_template(args.id, Path(args.folder))
    except CaseError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"wrote {path}; fill it in, then run: python -m painkit validate {args.folder}")
    return 0


def cmd_cache(args: argparse.Namespace) -> int:
    """Keep the parse of painkit's data files and every case file (see ``painkit._yamlio``), so that kernels
    of learners who cannot write beside them open notebooks without parsing YAML."""
    from .. import _yamlio
    from ._case import case_files, case_folders

    folders = [Path(f) for f in args.folders] if args.folders else case_folders()
    paths = [*_yamlio.data_paths(), *(p for d in folders for p in case_files(d))]
    problems = _yamlio.keep_parses(paths)
    for line in problems:
        print(line, file=sys.stderr)
    print(f"cache: parses kept for {len(paths) - len(problems)} of {len(paths)} YAML files "
          f"({len(folders)} case folder(s) and painkit's data)")
    return 1 if any("cannot write" in p for p in problems) else 0
