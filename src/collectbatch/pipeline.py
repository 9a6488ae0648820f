"""Wires the stages: load policy → load ledger → evaluate → plan → render → write batch.

Each stage takes and returns plain data. Input problems are collected per stage and raised
together (InputError) before anything is written.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import duckdb

from .batch import Provenance, counts, manifest, tables, write_batch
from .diagnostics import Diagnostic, InputError, display_path, raise_if_errors
from .evaluate import Evaluation, Note, evaluate
from .handoff import check_notes, court_checks
from .history import read_history
from .ladder import decide
from .ledger import Ledger, load_ledger
from .plan import Plan, plan_actions
from .policy import Policy, load_policy
from .render import StatementKey, client_terms, render_batch, statements_of
from .statement import Statement
from .summary import summary
from .templates import check_templates


@dataclass(frozen=True)
class Paths:
    rules: Path
    ledgers: Path
    letters: Path
    out: Path
    history: Path | None = None
    root: Path = Path(".")


@dataclass(frozen=True)
class Result:
    folder: Path
    plan: Plan
    evaluation: Evaluation
    warnings: tuple[Diagnostic, ...]


def load_inputs(paths: Paths) -> tuple[Policy, Ledger, list[Diagnostic]]:
    """Load and check policy, templates and ledgers; raise InputError listing every problem."""
    policy, diags = load_policy(paths.rules, paths.root)
    if policy is not None:
        diags += check_templates(policy, paths.letters, display_path(paths.letters, paths.root))
    terms = set(policy.terms) if policy else set()
    ladders = set(policy.ladders) if policy else None
    con = duckdb.connect(":memory:")
    ledger, ledger_diags = load_ledger(paths.ledgers, paths.root, terms, con, ladders)
    if policy is None:  # terms unknown: unknown-terms checks are meaningless
        ledger_diags = [d for d in ledger_diags if d.code != "E322"]
    diags += ledger_diags
    raise_if_errors(diags)
    assert policy is not None
    return policy, ledger, diags


def run(paths: Paths, as_of: date, force: bool, workers: int | None = None) -> Result:
    policy, ledger, warnings = load_inputs(paths)
    evaluation = evaluate(ledger.con, policy, as_of)
    history = read_history(paths.history or paths.out, as_of)
    decisions, hold_rows = decide(ledger.con, policy, as_of, history)
    holds = tuple(Note(*row) for row in hold_rows)
    plan = plan_actions(evaluation, decisions, holds, policy, history)
    statements = statements_of(plan, policy)  # computed once: for exceptions and documents
    plan = with_claim_notes(plan, policy, statements)
    files = dict(render_batch(plan, policy, paths.letters, workers, statements).files)
    files.update(tables(plan, evaluation))
    files["summary.md"] = summary(plan, evaluation)
    prov = provenance(paths, ledger)
    files["manifest.json"] = manifest(as_of, files, prov, counts(plan), len(evaluation.accounts))
    folder = write_batch(paths.out, as_of, files, force)
    return Result(folder, plan, evaluation, tuple(warnings))


def with_claim_notes(plan: Plan, policy: Policy, statements: dict[StatementKey, Statement]) -> Plan:
    """Add what the statements could not claim, or claimed on an unverified rate, to exceptions."""
    notes: set[Note] = set()
    for action in plan.actions:
        statement = statements[(action.account_id, action.currency, action.step.id)]
        notes.update(statement.problems)
        if action.channel == "court":
            _, pack = client_terms(action, policy)
            notes.update(check_notes(action, court_checks(action, statement, pack, action.as_of)))
    ordered = sorted(
        [*plan.notes, *notes], key=lambda n: (n.account_id, n.kind, n.source, n.invoice_id)
    )
    return replace(plan, notes=tuple(ordered))


def provenance(paths: Paths, ledger: Ledger) -> Provenance:
    inputs = dict(ledger.inputs)
    for folder in (paths.rules, paths.letters):
        for f in sorted(p for p in folder.rglob("*") if p.is_file()):
            inputs[display_path(f, paths.root)] = hashlib.sha256(f.read_bytes()).hexdigest()
    commit, dirty = _git_state(paths)
    return Provenance(inputs, commit, dirty)


def _git_state(paths: Paths) -> tuple[str, bool]:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(paths.rules), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "HEAD")
    if not commit:
        return "", False
    status = git(
        "status", "--porcelain", "--", str(paths.rules.resolve()), str(paths.letters.resolve())
    )
    return commit, bool(status)


__all__ = ["InputError", "Paths", "Result", "load_inputs", "run"]
