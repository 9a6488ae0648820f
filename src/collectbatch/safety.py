"""Small guards for data that crosses into file names, headers and spreadsheets."""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}
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


_IBAN = r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?"
_DIGITS = r"\d(?: ?\d){7,22}"
_LONG_NUMBER = re.compile(rf"(?<![\w.-])(?:{_IBAN}|{_DIGITS})(?![\w-]|\.\d)")


def redact(text: str) -> str:
    """Mask card, IBAN and bank account numbers (8+ digits) in text meant for logs or summaries."""

    def mask(m: re.Match[str]) -> str:
        raw = m.group(0)
        digits = sum(ch.isdigit() for ch in raw)
        return mask_number(raw) if digits >= 8 else raw

    return _LONG_NUMBER.sub(mask, text)
