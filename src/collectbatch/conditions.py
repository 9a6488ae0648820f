"""Step conditions: a small declarative language (all / any / not, comparisons, membership)
compiled into parameterised DuckDB SQL over the account facts table.

A condition is YAML such as `{all: [{overdue_balance: {gte: 500}}, {segment: {not_in: [vip]}}]}`.
Fact names map to SQL expressions in FACTS; values from YAML are always bound as parameters and
never become SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .yamlfile import YamlPath

# fact -> (SQL expression over the `facts` table, kind)
FACTS: dict[str, tuple[str, str]] = {
    "balance": ("balance", "number"),
    "overdue_balance": ("overdue_balance", "number"),
    "days_overdue": ("days_overdue", "number"),
    "overdue_count": ("overdue_count", "number"),
    "currency": ("currency", "text"),
    "segment": ("coalesce(segment, '')", "text"),
    "client_type": ("client_type", "text"),
    "jurisdiction": ("coalesce(jurisdiction, '')", "text"),
    "country": ("coalesce(country, '')", "text"),
    "language": ("coalesce(language, '')", "text"),
    "last_step": ("coalesce(last_step, '')", "text"),
    "days_since_last_step": ("days_since_last_step", "number"),
    "on_payment_plan": ("on_payment_plan", "bool"),
    "avg_days_late_12m": ("avg_days_late_12m", "number"),
}
OPERATORS = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass(frozen=True)
class CompiledCondition:
    sql: str
    params: tuple[Any, ...]


class ConditionError(ValueError):
    """A condition that cannot be compiled; `path` locates it in the YAML."""

    def __init__(self, path: YamlPath, message: str):
        super().__init__(message)
        self.path = path


def compile_condition(cond: Any, path: YamlPath = ()) -> CompiledCondition:
    """Compile a condition tree into SQL text with `?` placeholders and its parameters."""
    if not isinstance(cond, dict) or len(cond) != 1:
        raise ConditionError(path, "a condition is a mapping with exactly one key")
    ((key, value),) = cond.items()
    if key in ("all", "any"):
        parts = [compile_condition(c, path + (key, i)) for i, c in enumerate(value)]
        joiner = " AND " if key == "all" else " OR "
        return CompiledCondition(
            "(" + joiner.join(p.sql for p in parts) + ")", tuple(x for p in parts for x in p.params)
        )
    if key == "not":
        inner = compile_condition(value, path + ("not",))
        return CompiledCondition(f"(NOT coalesce({inner.sql}, false))", inner.params)
    if key not in FACTS:
        raise ConditionError(path + (key,), f'unknown fact "{key}"')
    expr, kind = FACTS[key]
    ops = value if isinstance(value, dict) else {"eq": value}
    sqls, params = [], []
    for op, operand in ops.items():
        here = path + (key, op) if isinstance(value, dict) else path + (key,)
        if op in ("in", "not_in"):
            values = [_typed(v, kind, here) for v in operand]
            marks = ", ".join("?" for _ in values)
            sqls.append(f"({expr} {'NOT IN' if op == 'not_in' else 'IN'} ({marks}))")
            params += values
        elif op in OPERATORS:
            if kind != "number" and op not in ("eq", "ne"):
                raise ConditionError(here, f'"{op}" compares numbers, but "{key}" is {kind}')
            sqls.append(f"({expr} {OPERATORS[op]} ?)")
            params.append(_typed(operand, kind, here))
        else:
            raise ConditionError(here, f'unknown operator "{op}"')
    return CompiledCondition("(" + " AND ".join(sqls) + ")", tuple(params))


def _typed(value: Any, kind: str, path: YamlPath) -> Any:
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ConditionError(path, f"expected a number, got {value!r}")
        try:
            return Decimal(str(value))
        except ArithmeticError:
            raise ConditionError(path, f"expected a number, got {value!r}") from None
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConditionError(path, f"expected true or false, got {value!r}")
        return value
    if isinstance(value, bool | dict | list):
        raise ConditionError(path, f"expected text, got {value!r}")
    return str(value)
