"""Error types. Every message names the file or input, the field, what was found and what is allowed."""
from __future__ import annotations


class PainkitError(Exception):
    """Base class for every error painkit raises on purpose."""


class CaseError(PainkitError):
    """A case file is missing, unreadable or does not match the case schema.

    ``problems`` holds one line per problem (``file: field: found ...; allowed ...``).
    """

    MAX_SHOWN = 50  # a hostile file can have thousands of problems; the message lists the first ones

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        shown = self.problems[: self.MAX_SHOWN]
        if len(self.problems) > self.MAX_SHOWN:
            shown.append(f"... and {len(self.problems) - self.MAX_SHOWN} more problem(s)")
        super().__init__("\n".join(shown))


class InstrumentError(PainkitError, ValueError):
    """A questionnaire answer sheet is not valid for its instrument."""


class MechanismError(PainkitError, ValueError):
    """A mechanism answer names an unknown mechanism, grade or finding."""


class PlanError(PainkitError, ValueError):
    """A plan or prescription is not valid (unknown id, bad dose, missing unit...)."""


class ProgressError(PainkitError):
    """The progress store cannot be opened or written."""


def did_you_mean(word: str, choices) -> str:
    """A ' (did you mean ...?)' suffix naming the closest choices, or ''."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=3, cutoff=0.5)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
