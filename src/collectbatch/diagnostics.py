"""Errors are data: a Diagnostic points at FILE:LINE:COL, says what is wrong and how to fix it.

Stages collect diagnostics instead of raising, so a run reports every problem in its input at
once; the CLI prints them with one formatter and chooses the exit code.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .safety import redact


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in the user's input (policy, ledger, template), located as precisely as known."""

    file: str
    line: int | None
    column: int | None
    code: str
    message: str
    fix: str = ""
    severity: str = "error"

    def format(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.severity}[{self.code}]: {self.message}"
        if self.fix:
            text += f"\n   = fix: {self.fix}"
        return redact(text)


class InputError(Exception):
    """Raised between stages when the input has errors; carries every diagnostic found."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=_sort_key)
        super().__init__(f"{len(self.diagnostics)} problem(s) in the input")


def _sort_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    return (d.file, d.line or 0, d.column or 0, d.code, d.message)


def display_path(path: Path, root: Path) -> str:
    """How a file is named in messages and the manifest: relative to the project root."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean' fix for a misspelt name, or an empty string."""
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f'did you mean "{close[0]}"?' if close else ""


def raise_if_errors(diagnostics: list[Diagnostic]) -> None:
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        raise InputError(diagnostics)
