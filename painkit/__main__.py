"""Command line: ``python -m painkit validate [FOLDER]`` and the other subcommands (see ``--help``)."""
from __future__ import annotations

import argparse
import sys
from importlib import import_module

# subcommand -> (module, function, help). Each function takes the parsed args and returns an exit code;
# each module adds its own arguments with ``add_arguments(name, parser)`` when it defines one.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": ("painkit.cases._cli", "cmd_validate", "check every case file in a folder; one line per problem"),
    "schema": ("painkit.cases._cli", "cmd_schema", "print the JSON Schema of a case file"),
    "new-case": ("painkit.cases._cli", "cmd_new_case", "write a commented case template"),
    "report": ("painkit.progress._report", "cmd_report", "write a learner's self-study report as one HTML page"),
    "export": ("painkit.progress._cli", "cmd_export", "export progress attempts to .csv or .jsonl, or as xAPI "
               "statements (--xapi)"),
    "lti": ("painkit.progress._lti", "cmd_lti", "LMS grade return (LTI 1.3): send-grades posts module scores"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m painkit", description="painkit: education only, "
                                     "not for clinical decisions.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module, func, helptext) in COMMANDS.items():
        p = sub.add_parser(name, help=helptext)
        mod = import_module(module)
        getattr(mod, "add_arguments")(name, p)
        p.set_defaults(_run=getattr(mod, func))
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
