"""Stage 1, load policy: rules/*.yaml → a validated, immutable `Policy`.

Each file is parsed safely (`yamlfile`), validated against its JSON Schema under schemas/, then
cross-checked (names that refer to other names, ladder order). Every problem becomes a Diagnostic
located at the YAML line and column the user wrote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from .conditions import FACTS, CompiledCondition, ConditionError, compile_condition
from .diagnostics import Diagnostic, did_you_mean, display_path
from .jurisdictions import JurisdictionPack, pack_from_dict
from .yamlfile import Locator, load_yaml

POLICY_FILES = ("creditor", "terms", "ladders")
FACT_NAMES = tuple(FACTS)
CHANNELS = ("letter", "email", "phone", "agency", "court")
HANDOFFS = ("agency", "court")


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
class LateFee:
    flat: Decimal = Decimal("0.00")
    percent: Decimal = Decimal("0")
    every_days: int | None = None
    cap: Decimal | None = None
    source: str = ""


@dataclass(frozen=True)
class ContractInterest:
    annual_rate: Decimal
    start: str = "due_date"  # or after_grace
    days_in_year: int = 365
    source: str = ""


@dataclass(frozen=True)
class Terms:
    name: str
    days: int
    grace_days: int = 0
    description: str = ""
    discount_percent: Decimal | None = None
    discount_days: int | None = None
    late_fee: LateFee | None = None
    interest: ContractInterest | None = None
    statutory_claims: bool = True


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
    min_days_since_previous: int = 0
    claims: str = "none"
    when: CompiledCondition | None = None

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
    mode: str = "next"

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


@dataclass(frozen=True)
class Holds:
    promise_grace_days: int = 3
    plan_grace_days: int = 5
    plan_broken_step: str | None = None


@dataclass(frozen=True)
class Assignment:
    """Which ladder a client gets: explicit column, segment, client type, jurisdiction, default."""

    by_segment: dict[str, str] = field(default_factory=dict)
    by_client_type: dict[str, str] = field(default_factory=dict)
    by_jurisdiction: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    creditor: Creditor
    terms: dict[str, Terms]
    default_terms: str
    ladders: dict[str, Ladder]
    default_ladder: str
    assign: Assignment = field(default_factory=Assignment)
    holds: Holds = field(default_factory=Holds)
    packs: dict[str, JurisdictionPack] = field(default_factory=dict)

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
        shown = display_path(path, display_root)
        if not path.is_file():
            diags.append(
                Diagnostic(
                    shown,
                    None,
                    None,
                    "E100",
                    "policy file is missing",
                    f"create {shown}; see README 'Rules'",
                )
            )
            continue
        data, loc, problems = load_yaml(path, shown)
        diags += problems
        if data is not None:
            schema_problems = validate_against(name, data, loc)
            diags += schema_problems
            if not schema_problems:
                raw[name] = (data, loc)
    diags += _unknown_files(rules_dir, display_root)
    packs, pack_diags = load_packs(rules_dir / "jurisdictions", display_root)
    diags += pack_diags
    if diags or len(raw) < len(POLICY_FILES):
        return None, diags
    policy, more = _build(raw, packs)
    return (None if more else policy), more


def load_packs(folder: Path, root: Path) -> tuple[dict[str, JurisdictionPack], list[Diagnostic]]:
    """rules/jurisdictions/<CODE>.yaml: one jurisdiction pack per file, named by its code."""
    packs: dict[str, JurisdictionPack] = {}
    diags: list[Diagnostic] = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        shown = display_path(path, root)
        data, loc, problems = load_yaml(path, shown)
        diags += problems
        if data is None:
            continue
        schema_problems = validate_against("jurisdiction", data, loc)
        diags += schema_problems
        if schema_problems:
            continue
        if data.get("code") != path.stem:
            diags.append(
                loc.diagnostic(
                    ("code",),
                    "E205",
                    f'pack code "{data.get("code")}" does not match the file name "{path.name}"',
                    f"rename to {data.get('code')}.yaml",
                )
            )
            continue
        packs[path.stem] = pack_from_dict(data)
    return packs, diags


def _unknown_files(rules_dir: Path, root: Path) -> list[Diagnostic]:
    known = {f"{n}.yaml" for n in POLICY_FILES}
    out = []
    for p in sorted(rules_dir.glob("*.y*ml")):
        if p.name not in known:
            out.append(
                Diagnostic(
                    display_path(p, root),
                    None,
                    None,
                    "E107",
                    f'unknown policy file "{p.name}"',
                    did_you_mean(p.name, known) or f"expected one of {sorted(known)}",
                )
            )
    return out


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _build(
    raw: dict[str, tuple[Any, Locator]], packs: dict[str, JurisdictionPack]
) -> tuple[Policy, list[Diagnostic]]:
    creditor = _creditor(raw["creditor"][0]["creditor"])
    terms_doc, terms_loc = raw["terms"]
    terms = {name: _terms(name, t) for name, t in terms_doc["terms"].items()}
    lad_doc, lad_loc = raw["ladders"]
    diags: list[Diagnostic] = []
    ladders = {}
    for name, body in lad_doc["ladders"].items():
        ladders[name], problems = _ladder(name, body, lad_loc)
        diags += problems
    if terms_doc["default"] not in terms:
        diags.append(
            terms_loc.diagnostic(
                ("default",),
                "E202",
                f'default terms "{terms_doc["default"]}" are not defined',
                did_you_mean(terms_doc["default"], terms),
            )
        )
    if lad_doc["default"] not in ladders:
        diags.append(
            lad_loc.diagnostic(
                ("default",),
                "E202",
                f'default ladder "{lad_doc["default"]}" is not defined',
                did_you_mean(lad_doc["default"], ladders),
            )
        )
    for name, ladder in ladders.items():
        diags += _check_ladder(name, ladder, lad_loc)
    assign_doc = lad_doc.get("assign", {})
    assign = Assignment(**{k: dict(v) for k, v in assign_doc.items()})
    for key, table in assign_doc.items():
        for value, ladder_name in table.items():
            if ladder_name not in ladders:
                diags.append(
                    lad_loc.diagnostic(
                        ("assign", key, value),
                        "E202",
                        f'{key} "{value}" names ladder "{ladder_name}", which is not defined',
                        did_you_mean(ladder_name, ladders),
                    )
                )
    holds = Holds(**lad_doc.get("holds", {}))
    if holds.plan_broken_step:
        for name, ladder in ladders.items():
            if ladder.step(holds.plan_broken_step) is None:
                diags.append(
                    lad_loc.diagnostic(
                        ("holds", "plan_broken_step"),
                        "E202",
                        f'plan_broken_step "{holds.plan_broken_step}" is not a step '
                        f'of ladder "{name}"',
                        did_you_mean(holds.plan_broken_step, [s.id for s in ladder.steps]),
                    )
                )
    policy = Policy(
        creditor, terms, terms_doc["default"], ladders, lad_doc["default"], assign, holds, packs
    )
    return policy, diags


def _terms(name: str, t: dict[str, Any]) -> Terms:
    disc = t.get("discount")
    fee = t.get("late_fee")
    rate = t.get("interest")
    return Terms(
        name,
        t["days"],
        t.get("grace_days", 0),
        t.get("description", ""),
        discount_percent=Decimal(str(disc["percent"])) if disc else None,
        discount_days=disc["within_days"] if disc else None,
        late_fee=LateFee(
            flat=money(fee.get("flat", 0)),
            percent=Decimal(str(fee.get("percent", 0))),
            every_days=fee.get("every_days"),
            cap=money(fee["cap"]) if "cap" in fee else None,
            source=fee.get("source", ""),
        )
        if fee
        else None,
        interest=ContractInterest(
            Decimal(str(rate["annual_rate"])),
            rate.get("from", "due_date"),
            rate.get("days_in_year", 365),
            rate.get("source", ""),
        )
        if rate
        else None,
        statutory_claims=t.get("statutory_claims", True),
    )


def _creditor(c: dict[str, Any]) -> Creditor:
    pay = c.get("payment", {})
    banks = tuple(BankAccount(**b) for b in pay.get("bank_accounts", []))
    return Creditor(
        legal_name=c["legal_name"],
        address=c["address"].strip(),
        email=c["email"],
        signatory_name=c["signatory"]["name"],
        signatory_title=c["signatory"].get("title", ""),
        trading_name=c.get("trading_name", ""),
        country=c.get("country", ""),
        phone=c.get("phone", ""),
        email_name=c.get("email_name", ""),
        website=c.get("website", ""),
        company_number=c.get("company_number", ""),
        vat_number=c.get("vat_number", ""),
        paper_size=c.get("paper_size", "A4"),
        bank_accounts=banks,
        payment_link=pay.get("payment_link", ""),
        other_methods=tuple(pay.get("other_methods", [])),
        reference_hint=pay.get("reference_hint", ""),
    )


def _ladder(name: str, body: dict[str, Any], loc: Locator) -> tuple[Ladder, list[Diagnostic]]:
    steps = []
    diags = []
    for order, s in enumerate(body["steps"], start=1):
        mb = s.get("min_balance", "0.01")
        table = (
            {k: money(v) for k, v in mb.items()} if isinstance(mb, dict) else {"default": money(mb)}
        )
        extras = {
            k: s[k]
            for k in (
                "name",
                "response_days",
                "email_subject",
                "attach_statement",
                "call_script",
                "min_days_since_previous",
                "claims",
            )
            if k in s
        }
        when = None
        if "when" in s:
            base = ("ladders", name, "steps", order - 1, "when")
            try:
                when = compile_condition(s["when"], base)
            except ConditionError as exc:
                diags.append(
                    loc.diagnostic(
                        exc.path,
                        "E206",
                        f"condition: {exc}",
                        did_you_mean(str(exc.path[-1]), FACT_NAMES)
                        if "unknown fact" in str(exc)
                        else "see README 'Conditions' for facts and operators",
                    )
                )
        steps.append(
            Step(
                id=s["id"],
                order=order,
                offset_days=s["offset_days"],
                channels=tuple(s["channels"]),
                template=s["template"],
                min_balance=tuple(sorted(table.items())),
                when=when,
                **extras,
            )
        )
    return Ladder(name, tuple(steps), body.get("description", ""), body.get("mode", "next")), diags


def _check_ladder(name: str, ladder: Ladder, loc: Locator) -> list[Diagnostic]:
    out = []
    seen: set[str] = set()
    prev: Step | None = None
    for i, step in enumerate(ladder.steps):
        path = ("ladders", name, "steps", i)
        if step.id in seen:
            out.append(
                loc.diagnostic(
                    path + ("id",),
                    "E203",
                    f'step id "{step.id}" is used twice in ladder "{name}"',
                    "give every step its own id",
                )
            )
        seen.add(step.id)
        if prev is not None and step.offset_days < prev.offset_days:
            out.append(
                loc.diagnostic(
                    path + ("offset_days",),
                    "E204",
                    f'step "{step.id}" has offset_days {step.offset_days}, not after "{prev.id}" '
                    f"({prev.offset_days})",
                    "offsets must not decrease down the ladder (equal offsets suit steps with "
                    "exclusive `when` conditions)",
                )
            )
        prev = step
    return out
