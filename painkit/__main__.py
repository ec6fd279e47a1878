"""Command line: ``python -m painkit validate [FOLDER]`` and the other subcommands (see ``--help``)."""
from __future__ import annotations

import argparse
import sys
from importlib import import_module

# subcommand -> (module, function, help). Each function takes the parsed args and returns an exit code;
# each module adds its own arguments with ``add_arguments(name, parser)`` when it defines one.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": ("painkit.mechanisms._authoring", "cmd_validate", "check every case file in a folder (schema, "
                 "template text left in, the key against the mechanism criteria); one line per problem"),
    "schema": ("painkit.cases._cli", "cmd_schema", "print the JSON Schema of a case file"),
    "new-case": ("painkit.cases._cli", "cmd_new_case", "write a commented case template"),
    "cache": ("painkit.cases._cli", "cmd_cache", "keep the parse of painkit's data and case files beside them "
              "(run after installing, as the files' owner, so notebooks open without parsing YAML)"),
    "check-scenarios": ("painkit.plans._scenarios", "cmd_check_scenarios", "run plan-review scenarios (a case, a "
                        "plan, the findings that must and must not appear); one line per failing expectation"),
    "report": ("painkit.progress._report", "cmd_report", "write a learner's self-study report as one HTML page"),
    "export": ("painkit.progress._cli", "cmd_export", "export progress attempts to .csv or .jsonl, or as xAPI "
               "statements (--xapi)"),
    "calibrate": ("painkit.trajectories._calibration", "cmd_calibrate", "print the trajectory model vs published "
                  "trial figures for every calibration target; exit 1 if any is outside its tolerance"),
    "lrs": ("painkit.progress._lrs", "cmd_lrs", "learning records for the institution's LRS: status of the outbox, "
            "or flush it now"),
    "certificate": ("painkit.progress._certificate", "cmd_certificate", "write a signed self-study completion "
                    "record (.pdf or .html); not an accredited CE award"),
    "verify-certificate": ("painkit.progress._certificate", "cmd_verify", "check a certificate's signature: an "
                           "edited certificate fails"),
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
    from .errors import PainkitError
    from ._validate import os_problem

    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except PainkitError as exc:  # a clear message and an exit code, never a traceback
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{args.command}: {os_problem(exc, exc.filename or '')}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
