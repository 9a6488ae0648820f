"""Read the record of earlier batches: every out/<date>/actions.csv dated before the batch date.

A batch folder being replaced (same date) is never history; nor is anything after the date.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from .plan import Issued


def read_history(history_dir: Path, as_of: date) -> tuple[Issued, ...]:
    issued: list[Issued] = []
    if not history_dir.is_dir():
        return ()
    for folder in sorted(history_dir.iterdir()):
        batch_date = _folder_date(folder.name)
        if batch_date is None or batch_date >= as_of:
            continue
        path = folder / "actions.csv"
        if not path.is_file():
            continue
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                issued.append(
                    Issued(
                        batch_date,
                        _unsafe(row["account_id"]),
                        row["currency"],
                        row["step"],
                        row["channel"],
                        (row.get("status") or "planned").strip().lower(),
                        ";".join(_unsafe(i) for i in (row.get("invoice_ids") or "").split(";")),
                    )
                )
    return tuple(issued)


def _folder_date(name: str) -> date | None:
    try:
        return date.fromisoformat(name) if len(name) == 10 else None
    except ValueError:
        return None


def _unsafe(cell: str) -> str:
    """Undo the spreadsheet guard the batch writer added to a text cell."""
    return cell[1:] if cell[:2] in {"'" + c for c in "=+-@\t\r"} else cell
