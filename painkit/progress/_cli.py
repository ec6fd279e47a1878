"""``python -m painkit export``: hand in the progress store's attempts as a file (csv, jsonl or xAPI)."""
from __future__ import annotations

import argparse

from ..errors import ProgressError, did_you_mean
from ._exports import FORMATS, export_format
from ._store import ProgressStore


# ----------------------------------------------------------------------------------------------- CLI
def add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("out", nargs="?", help="output file: .csv or .jsonl")
    p.add_argument("--learner", help="only this learner's attempts (default: every learner in the store)")
    p.add_argument("--store", help="progress store file (default: $PAINKIT_HOME/progress.sqlite)")
    p.add_argument("--xapi", metavar="OUT.json", help="write xAPI statements (a JSON array) instead, for a "
                   "learning record store or LMS (see painkit.progress)")
    p.add_argument("--homepage", metavar="IRL", help="with --xapi: home page of the system learner accounts "
                   "belong to (default: $PAINKIT_XAPI_HOMEPAGE, else https://painkit.invalid/learners)")


def cmd_export(args: argparse.Namespace) -> int:
    """``python -m painkit export OUT``: write the progress store's attempts to a file to hand in."""
    import sys

    if getattr(args, "xapi", None):
        if args.out:
            print("export: give either an output file or --xapi OUT.json, not both", file=sys.stderr)
            return 2
        from ._xapi import cmd_export_xapi

        return cmd_export_xapi(args)
    if not args.out:
        print(f"export: give an output file ending {' or '.join(FORMATS)}, or --xapi OUT.json", file=sys.stderr)
        return 2
    try:
        export_format(args.out)
        with ProgressStore(args.store) as store:
            if args.learner is not None and args.learner not in store.learners():
                print(f"export: no learner {args.learner!r} in {store.path}"
                      f"{did_you_mean(args.learner, store.learners())}", file=sys.stderr)
                return 1
            path = store.export(args.out, learner=args.learner)
    except ProgressError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0
