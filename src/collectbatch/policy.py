"""Stage 1, load policy: rules/*.yaml → a validated, immutable `Policy`.

Each file is parsed safely (`yamlfile`), validated against its JSON Schema under schemas/, then
cross-checked (names that refer to other names, ladder order). Every problem becomes a Diagnostic
located at the YAML line and column the user wrote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from .diagnostics import Diagnostic, did_you_mean
from .yamlfile import Locator, load_yaml

POLICY_FILES = ("creditor", "terms", "ladders")
CHANNELS = ("letter", "email", "phone")


@dataclass(frozen=True)
class BankAccount:
    currency: str
    account_name: str
    bank: str = ""
    sort_code: str = ""
    account_number: str = ""
    iban: str = ""
    bic: str = ""
    routing_number: str = ""


@dataclass(frozen=True)
class Creditor:
    legal_name: str
    address: str
    email: str
    signatory_name: str
    signatory_title: str = ""
    trading_name: str = ""
    country: str = ""
    phone: str = ""
    email_name: str = ""
    website: str = ""
    company_number: str = ""
    vat_number: str = ""
    paper_size: str = "A4"
    bank_accounts: tuple[BankAccount, ...] = ()
    payment_link: str = ""
    other_methods: tuple[str, ...] = ()
    reference_hint: str = ""

    def bank_account(self, currency: str) -> BankAccount | None:
        return next((b for b in self.bank_accounts if b.currency == currency), None)


@dataclass(frozen=True)
class Terms:
    name: str
    days: int
    grace_days: int = 0
    description: str = ""


@dataclass(frozen=True)
class Step:
    id: str
    order: int
    offset_days: int
    channels: tuple[str, ...]
    template: str
    name: str = ""
    min_balance: tuple[tuple[str, Decimal], ...] = (("default", Decimal("0.01")),)
    response_days: int = 14
    email_subject: str = "Statement of account {{ account_id }}"
    attach_statement: bool = False
    call_script: str = ""

    def minimum(self, currency: str) -> Decimal:
        table = dict(self.min_balance)
        return table.get(currency, table.get("default", Decimal("0.01")))

    @property
    def title(self) -> str:
        return self.name or self.id.replace("-", " ").capitalize()


@dataclass(frozen=True)
class Ladder:
    name: str
    steps: tuple[Step, ...]
    description: str = ""

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


@dataclass(frozen=True)
class Policy:
    creditor: Creditor
    terms: dict[str, Terms]
    default_terms: str
    ladders: dict[str, Ladder]
    default_ladder: str
    files: tuple[Path, ...] = field(default=())

    def ladder(self, name: str | None = None) -> Ladder:
        return self.ladders[name or self.default_ladder]


def load_schema(name: str) -> dict[str, Any]:
    """Schemas ship in the repo's schemas/ folder; fall back to the installed package data."""
    here = Path(__file__).resolve().parents[2] / "schemas" / f"{name}.schema.json"
    if here.is_file():
        return dict(json.loads(here.read_text(encoding="utf-8")))
    text = resources.files("collectbatch").joinpath(f"schemas/{name}.schema.json").read_text()
    return dict(json.loads(text))


def validate_against(schema_name: str, data: Any, loc: Locator) -> list[Diagnostic]:
    """All schema errors of `data`, each located at the YAML path it concerns."""
    validator = Draft202012Validator(load_schema(schema_name))
    out = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = tuple(err.absolute_path)
        if err.validator == "additionalProperties":
            extra = [k for k in err.instance if k not in err.schema.get("properties", {})]
            path += tuple(extra[:1])
        where = "/".join(map(str, path)) or "(top level)"
        out.append(loc.diagnostic(path, "E201", f"{where}: {_schema_message(err)}", _fix(err)))
    return out


def _schema_message(err: Any) -> str:
    if err.validator == "additionalProperties":
        return str(err.message).replace("Additional properties are not allowed", "unknown key")
    if err.validator == "oneOf" and err.context:
        best = min(err.context, key=lambda e: len(list(e.absolute_path)))
        return str(best.message)
    return str(err.message)


def _fix(err: Any) -> str:
    if err.validator == "additionalProperties":
        allowed = err.schema.get("properties", {}).keys()
        extra = [k for k in err.instance if k not in allowed]
        return did_you_mean(str(extra[0]), allowed) if extra else ""
    if err.validator == "required":
        return "add the missing key; see the schema under schemas/ for its meaning"
    return str(err.schema.get("description", ""))[:160]


def load_policy(rules_dir: Path, display_root: Path) -> tuple[Policy | None, list[Diagnostic]]:
    """Read and validate every policy file; return the Policy, or None with the diagnostics."""
    raw: dict[str, tuple[Any, Locator]] = {}
    diags: list[Diagnostic] = []
    for name in POLICY_FILES:
        path = rules_dir / f"{name}.yaml"
        shown = _display(path, display_root)
        if not path.is_file():
            diags.append(Diagnostic(shown, None, None, "E100", "policy file is missing",
                                    f"create {shown}; see README 'Rules'"))
            continue
        data, loc, problems = load_yaml(path, shown)
        diags += problems
        if data is not None:
            schema_problems = validate_against(name, data, loc)
            diags += schema_problems
            if not schema_problems:
                raw[name] = (data, loc)
    diags += _unknown_files(rules_dir, display_root)
    if diags or len(raw) < len(POLICY_FILES):
        return None, diags
    policy, more = _build(raw)
    return (None if more else policy), more


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _unknown_files(rules_dir: Path, root: Path) -> list[Diagnostic]:
    known = {f"{n}.yaml" for n in POLICY_FILES}
    out = []
    for p in sorted(rules_dir.glob("*.y*ml")):
        if p.name not in known:
            out.append(Diagnostic(_display(p, root), None, None, "E107",
                                  f'unknown policy file "{p.name}"',
                                  did_you_mean(p.name, known) or f"expected one of {sorted(known)}"))
    return out


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _build(raw: dict[str, tuple[Any, Locator]]) -> tuple[Policy, list[Diagnostic]]:
    creditor = _creditor(raw["creditor"][0]["creditor"])
    terms_doc, terms_loc = raw["terms"]
    terms = {
        name: Terms(name, t["days"], t.get("grace_days", 0), t.get("description", ""))
        for name, t in terms_doc["terms"].items()
    }
    lad_doc, lad_loc = raw["ladders"]
    ladders = {name: _ladder(name, body) for name, body in lad_doc["ladders"].items()}
    diags = []
    if terms_doc["default"] not in terms:
        diags.append(terms_loc.diagnostic(("default",), "E202",
                                          f'default terms "{terms_doc["default"]}" are not defined',
                                          did_you_mean(terms_doc["default"], terms)))
    if lad_doc["default"] not in ladders:
        diags.append(lad_loc.diagnostic(("default",), "E202",
                                        f'default ladder "{lad_doc["default"]}" is not defined',
                                        did_you_mean(lad_doc["default"], ladders)))
    for name, ladder in ladders.items():
        diags += _check_ladder(name, ladder, lad_loc)
    policy = Policy(creditor, terms, terms_doc["default"], ladders, lad_doc["default"])
    return policy, diags


def _creditor(c: dict[str, Any]) -> Creditor:
    pay = c.get("payment", {})
    banks = tuple(BankAccount(**b) for b in pay.get("bank_accounts", []))
    return Creditor(
        legal_name=c["legal_name"], address=c["address"].strip(), email=c["email"],
        signatory_name=c["signatory"]["name"], signatory_title=c["signatory"].get("title", ""),
        trading_name=c.get("trading_name", ""), country=c.get("country", ""),
        phone=c.get("phone", ""), email_name=c.get("email_name", ""),
        website=c.get("website", ""), company_number=c.get("company_number", ""),
        vat_number=c.get("vat_number", ""), paper_size=c.get("paper_size", "A4"),
        bank_accounts=banks, payment_link=pay.get("payment_link", ""),
        other_methods=tuple(pay.get("other_methods", [])),
        reference_hint=pay.get("reference_hint", ""),
    )


def _ladder(name: str, body: dict[str, Any]) -> Ladder:
    steps = []
    for order, s in enumerate(body["steps"], start=1):
        mb = s.get("min_balance", "0.01")
        table = {k: money(v) for k, v in mb.items()} if isinstance(mb, dict) else {"default": money(mb)}
        extras = {k: s[k] for k in ("name", "response_days", "email_subject",
                                     "attach_statement", "call_script") if k in s}
        steps.append(Step(id=s["id"], order=order, offset_days=s["offset_days"],
                          channels=tuple(s["channels"]), template=s["template"],
                          min_balance=tuple(sorted(table.items())), **extras))
    return Ladder(name, tuple(steps), body.get("description", ""))


def _check_ladder(name: str, ladder: Ladder, loc: Locator) -> list[Diagnostic]:
    out = []
    seen: set[str] = set()
    prev: Step | None = None
    for i, step in enumerate(ladder.steps):
        path = ("ladders", name, "steps", i)
        if step.id in seen:
            out.append(loc.diagnostic(path + ("id",), "E203",
                                      f'step id "{step.id}" is used twice in ladder "{name}"',
                                      "give every step its own id"))
        seen.add(step.id)
        if prev is not None and step.offset_days <= prev.offset_days:
            out.append(loc.diagnostic(
                path + ("offset_days",), "E204",
                f'step "{step.id}" has offset_days {step.offset_days}, not after "{prev.id}" '
                f"({prev.offset_days})", "offsets must increase down the ladder"))
        prev = step
    return out


