"""Stage 6, write batch: rendered documents + plan → out/<as-of>/, atomically, with a manifest.

The folder is built as a hidden sibling and renamed into place only when complete, so a crash
leaves the previous complete batch or none, never half of one. The manifest records the inputs'
and outputs' sha256 so anyone can check later that nothing was changed (`collectbatch verify`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from . import __version__
from .evaluate import BUCKETS, Evaluation
from .plan import Plan
from .render import write_csv

ACTION_COLUMNS = (
    "action_id",
    "as_of",
    "account_id",
    "step",
    "channel",
    "currency",
    "balance",
    "overdue_balance",
    "days_overdue",
    "invoice_ids",
    "document",
    "status",
)
AGING_COLUMNS = ("account_id", "currency", *BUCKETS, "total")
EXCEPTION_COLUMNS = ("source", "account_id", "invoice_id", "kind", "reason")


class BatchExists(Exception):
    """The batch folder for this date exists and --force was not given."""


@dataclass(frozen=True)
class Provenance:
    inputs: dict[str, str]  # display path -> sha256
    policy_commit: str
    policy_dirty: bool


def tables(plan: Plan, evaluation: Evaluation) -> dict[str, bytes]:
    """actions.csv, aging.csv and exceptions.csv as bytes."""
    actions = [
        [
            a.action_id,
            a.as_of.isoformat(),
            a.account_id,
            a.step.id,
            a.channel,
            a.currency,
            str(a.account.balance),
            str(a.account.overdue_balance),
            str(a.account.days_overdue),
            ";".join(i.invoice_id for i in a.invoices),
            a.document,
            a.status,
        ]
        for a in plan.actions
    ]
    aging = [
        [a.account_id, a.currency, *(str(v) for v in a.aging), str(a.balance)]
        for a in evaluation.accounts
    ]
    notes = [[n.source, n.account_id, n.invoice_id, n.kind, n.reason] for n in plan.notes]
    return {
        "actions.csv": write_csv(ACTION_COLUMNS, actions),
        "aging.csv": write_csv(AGING_COLUMNS, aging),
        "exceptions.csv": write_csv(EXCEPTION_COLUMNS, notes),
    }


def counts(plan: Plan) -> dict[str, Any]:
    by_step = Counter(f"{a.step.id}/{a.channel}" for a in plan.actions)
    by_channel = Counter(a.channel for a in plan.actions)
    by_kind = Counter(n.kind for n in plan.notes)
    return {
        "actions": len(plan.actions),
        "by_step_channel": dict(sorted(by_step.items())),
        "by_channel": dict(sorted(by_channel.items())),
        "exceptions": len(plan.notes),
        "exceptions_by_kind": dict(sorted(by_kind.items())),
    }


def manifest(
    as_of: date, files: dict[str, bytes], prov: Provenance, stats: dict[str, Any], accounts: int
) -> bytes:
    doc = {
        "as_of": as_of.isoformat(),
        "tool": "collectbatch",
        "tool_version": __version__,
        "policy": {"git_commit": prov.policy_commit, "uncommitted_changes": prov.policy_dirty},
        "inputs": {k: {"sha256": v} for k, v in sorted(prov.inputs.items())},
        "outputs": {
            k: {"sha256": hashlib.sha256(v).hexdigest(), "bytes": len(v)}
            for k, v in sorted(files.items())
        },
        "accounts_evaluated": accounts,
        "counts": stats,
    }
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def write_batch(out_dir: Path, as_of: date, files: dict[str, bytes], force: bool) -> Path:
    """Write `files` to out_dir/<as_of>/ atomically; replace an existing one only with force."""
    final = out_dir / as_of.isoformat()
    if final.exists() and not force:
        raise BatchExists(f"{final} already exists; use --force to replace it")
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_stale(out_dir, as_of)
    tmp = out_dir / f".{as_of.isoformat()}.partial-{os.getpid()}"
    os.mkdir(tmp, 0o700)
    for rel, data in sorted(files.items()):
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    os.chmod(tmp, stat.S_IRWXU)
    old = out_dir / f".{as_of.isoformat()}.replaced-{os.getpid()}"
    if final.exists():
        os.rename(final, old)
    os.rename(tmp, final)
    _fsync_dir(out_dir)
    if old.exists():
        shutil.rmtree(old)
    return final


def clean_stale(out_dir: Path, as_of: date) -> None:
    """Remove leftovers of a crashed run for this date; restore a batch a crash left aside."""
    prefix = f".{as_of.isoformat()}."
    final = out_dir / as_of.isoformat()
    for leftover in sorted(out_dir.glob(prefix + "*")):
        if ".replaced-" in leftover.name and not final.exists():
            os.rename(leftover, final)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Verification:
    modified: tuple[str, ...]
    missing: tuple[str, ...]
    added: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not (self.modified or self.missing or self.added)


def verify_batch(folder: Path) -> Verification:
    """Re-hash every file of a batch folder against its manifest.json."""
    doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    recorded: dict[str, str] = {k: v["sha256"] for k, v in doc["outputs"].items()}
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    present.discard("manifest.json")
    modified = sorted(
        k
        for k in recorded
        if k in present and hashlib.sha256((folder / k).read_bytes()).hexdigest() != recorded[k]
    )
    missing = sorted(k for k in recorded if k not in present)
    added = sorted(present - set(recorded))
    return Verification(tuple(modified), tuple(missing), tuple(added))
