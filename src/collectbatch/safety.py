"""Small guards for data that crosses into file names, headers and spreadsheets."""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_filename(stem: str, limit: int = 80) -> str:
    """A file-name stem with no path separators, dots in front, or reserved names.

    When cleaning changed the text, a short hash of the original keeps distinct ids distinct.
    """
    clean = _UNSAFE.sub("_", stem).strip("._") or "_"
    if clean.split(".")[0].lower() in _RESERVED:
        clean = "_" + clean
    if clean != stem or len(clean) > limit:
        digest = hashlib.sha256(stem.encode("utf-8")).hexdigest()[:8]
        clean = f"{clean[: limit - 9]}-{digest}"
    return clean


def spreadsheet_safe(value: str) -> str:
    """Neutralise a text cell a spreadsheet would run as a formula (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def one_line(value: str) -> str:
    """Collapse CR/LF and other control characters, so a value cannot add email headers."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())


def mask_number(value: str) -> str:
    """Show only the last four characters of a bank account or card number."""
    digits = value.replace(" ", "")
    return "•" * max(len(digits) - 4, 0) + digits[-4:]
