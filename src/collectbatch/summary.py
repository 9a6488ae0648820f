"""summary.md: what the accountant reads first when opening the batch folder."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from .evaluate import Evaluation
from .plan import Plan
from .safety import redact


def summary(plan: Plan, evaluation: Evaluation) -> bytes:
    lines = [f"# Collection batch {plan.as_of.isoformat()}", ""]
    totals: dict[str, list[Decimal]] = {}
    for a in evaluation.accounts:
        t = totals.setdefault(a.currency, [Decimal("0.00"), Decimal("0.00")])
        t[0] += a.balance
        t[1] += a.overdue_balance
    lines += ["## Receivables", "", "| currency | balance | overdue |", "|---|---:|---:|"]
    lines += [f"| {c} | {b} | {o} |" for c, (b, o) in sorted(totals.items())]
    lines += [
        "",
        f"Accounts evaluated: {len(evaluation.accounts)}",
        "",
        "## Actions to review",
        "",
        "| account | client | step | channel | currency | overdue | document |",
        "|---|---|---|---|---|---:|---|",
    ]
    for action in plan.actions:
        name = _cell(action.account.client.name)
        lines.append(
            f"| {_cell(action.account_id)} | {name} | {action.step.id} | {action.channel} | "
            f"{action.currency} | {action.account.overdue_balance} | {action.document} |"
        )
    kinds = Counter(n.kind for n in plan.notes)
    lines += ["", "## Exceptions (see exceptions.csv)", ""]
    lines += [f"- {k}: {v}" for k, v in sorted(kinds.items())] or ["- none"]
    lines += ["", "Mark an action `void` in actions.csv if you decide not to send it.", ""]
    return redact("\n".join(lines)).encode("utf-8")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
