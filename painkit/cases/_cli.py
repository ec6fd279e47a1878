"""Case commands for ``python -m painkit``: schema, new-case (``validate`` also checks keys against the
mechanism criteria, so it lives in ``painkit.mechanisms._authoring``)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .._validate import os_problem
from ._case import json_schema


def add_arguments(name: str, p: argparse.ArgumentParser) -> None:
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
