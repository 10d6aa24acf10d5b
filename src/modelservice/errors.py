"""Error types shared by every layer.

Users meet these; so each carries enough to act on: the key path, the source file and line
where known, and what is allowed. Several problems travel together in one exception because
a user fixing a values file wants every problem at once, not one per run.
"""

from __future__ import annotations

from modelservice._record import Record


class Problem(Record):
    """One thing wrong with the input, located as precisely as we can."""

    path: str
    """Full key path, list indices in brackets: ``decode.containers[1].image``; ``""`` for the
    whole document."""
    message: str
    source: str | None = None
    """The values file, ``--set`` flag or other origin of the offending value, when known."""
    line: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.source:
            where = f" ({self.source}{f':{self.line}' if self.line else ''})"
        if self.path:
            return f"{self.path}: {self.message}{where}"
        return f"{self.message}{where}"


class ModelServiceError(Exception):
    """Base of every error this package raises on purpose; anything else is a bug."""


class ValuesError(ModelServiceError):
    """The values (files, ``--set`` flags, or the merged result) are not acceptable."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(self._summary())

    def _summary(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems in the values:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class SetSyntaxError(ValuesError):
    """A ``--set`` style expression cannot be parsed."""


def type_name(value: object) -> str:
    """The JSON-ish type name users see in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


def os_reason(exc: BaseException) -> str:
    """Why an OS or network call failed, in words (``not found``, ``permission denied``,
    ``connection refused``) rather than Python's ``[Errno 2] No such file ...: 'x'``."""
    if isinstance(exc, FileNotFoundError):
        return "not found"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    while reason.startswith("[Errno ") and "] " in reason:  # httpx passes errno texts on
        reason = reason.split("] ", 1)[1]
    reason = reason.split(": '", 1)[0]  # the path Python appends; the caller names it
    return reason[:1].lower() + reason[1:] if reason else type(exc).__name__
