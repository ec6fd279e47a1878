"""Case commands for ``python -m painkit``: validate, schema, new-case."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ._case import REPO_CASES, json_schema, validate_cases


def add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    if name == "validate":
        p.add_argument("folder", nargs="?", default=None, help="case folder (default: the shipped cases/)")
    elif name == "new-case":
        p.add_argument("id", help="case id, also the file name (lower-case letters, digits, '-')")
        p.add_argument("--folder", default=".", help="where to write ID.yaml (default: current folder)")


def cmd_validate(args: argparse.Namespace) -> int:
    folder = Path(args.folder) if args.folder else REPO_CASES
    problems = validate_cases(folder)
    for line in problems:
        print(line)
    n = len(list(folder.glob("*.y*ml"))) if folder.is_dir() else 0
    print(f"{n} case file(s) checked, {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


def cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(json_schema(), indent=2))
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
