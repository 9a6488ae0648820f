"""A synthetic, valid ledger for the benchmark: deterministic for a given seed and size.

Clients are spread over the jurisdictions, languages, terms and client types of the shipped
rules; each has about twelve invoices over the year before the batch date, paid on time, late,
in part, by unapplied (oldest-first) payments, or not at all. A few credit notes, disputes,
promises to pay and payment plans exercise the optional ledgers. Amounts are Decimal, written
as two-decimal strings; nothing here is a float.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

# (country, jurisdiction, language, currency, weight)
REGIONS = (
    ("GB", "GB-EAW", "en", "GBP", 70),
    ("DE", "DE", "de", "EUR", 10),
    ("FR", "FR", "fr", "EUR", 8),
    ("IE", "IE", "en", "EUR", 7),
    ("GB", "GB-EAW", "", "GBP", 5),  # no language column: English, UK formats
)
TERMS = (
    ("", 70),
    ("net30", 10),
    ("net14", 8),
    ("receipt", 4),
    ("net30-fees", 4),
    ("net30-2-10", 4),
)
SEGMENTS = ("retainer", "project", "key account", "small business", "events", "quarterly")
# payer profile: (probability of paying an invoice, typical days late, probability of partial)
PROFILES = {
    "prompt": (0.98, 0, 0.01),
    "late": (0.9, 25, 0.05),
    "partial": (0.85, 10, 0.35),
    "bad": (0.45, 60, 0.2),
}
PROFILE_WEIGHTS = (("prompt", 45), ("late", 30), ("partial", 15), ("bad", 10))
NAMES = (
    "Calder",
    "Brunswick",
    "Kestrel",
    "Rheinwerk",
    "Duval & Fils",
    "O'Brien",
    "Quillfeather",
    "Nordlicht",
    "Garonne Aéro",
    "Harptree",
    "Avonmouth",
    "Bramble & Finch",
)
KINDS = ("Ltd", "GmbH", "SAS", "plc", "LLP", "Services Ltd")


@dataclass
class Ledger:
    """Rows per canonical ledger file, header first."""

    files: dict[str, list[list[str]]] = field(default_factory=dict)

    def add(self, name: str, row: list[str]) -> None:
        self.files[name].append(row)


HEADERS = {
    "clients": [
        "account_id",
        "name",
        "email",
        "phone",
        "address",
        "country",
        "jurisdiction",
        "client_type",
        "segment",
        "terms",
        "language",
        "contact_name",
        "do_not_contact",
    ],
    "invoices": [
        "invoice_id",
        "account_id",
        "issue_date",
        "amount",
        "currency",
        "due_date",
        "description",
        "reference",
    ],
    "payments": [
        "payment_id",
        "account_id",
        "paid_on",
        "amount",
        "currency",
        "invoice_id",
        "method",
        "reference",
    ],
    "credit_notes": [
        "credit_id",
        "account_id",
        "issued_on",
        "amount",
        "currency",
        "invoice_id",
        "reason",
    ],
    "disputes": ["invoice_id", "opened_on", "resolved_on", "reason"],
    "promises": ["account_id", "promised_on", "pay_by", "amount"],
    "payment_plans": ["plan_id", "account_id", "agreed_on", "due_date", "amount"],
}
TERM_DAYS = {"": 30, "net30": 30, "net14": 14, "receipt": 0, "net30-fees": 30, "net30-2-10": 30}


def money(cents: int) -> str:
    """Cents → a two-decimal amount string, via Decimal (never a float)."""
    return str((Decimal(cents) / 100).quantize(Decimal("0.01")))


def cents(amount: str) -> int:
    return int(Decimal(amount) * 100)


def pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


def generate(clients: int, as_of: date, seed: int = 20261201) -> Ledger:
    """Build the ledger rows for `clients` clients, with invoices in the year before `as_of`."""
    rng = random.Random(seed)
    ledger = Ledger({name: [header] for name, header in HEADERS.items()})
    counter = {"inv": 0, "pay": 0, "cn": 0, "plan": 0}
    for n in range(1, clients + 1):
        account = f"C{n:06d}"
        region = rng.choices(REGIONS, weights=[r[4] for r in REGIONS])[0]
        terms = pick(rng, TERMS)
        _client(rng, ledger, account, region, terms)
        currencies = [region[3]]
        if region[3] == "GBP" and rng.random() < 0.05:
            currencies.append("EUR")  # a second account in another currency
        profile = PROFILES[pick(rng, PROFILE_WEIGHTS)]
        for currency in currencies:
            _invoices(rng, ledger, counter, account, currency, terms, profile, as_of)
        _holds(rng, ledger, counter, account, as_of)
    return ledger


def _client(
    rng: random.Random,
    ledger: Ledger,
    account: str,
    region: tuple[str, str, str, str, int],
    terms: str,
) -> None:
    country, jurisdiction, language = region[0], region[1], region[2]
    name = f"{rng.choice(NAMES)} {rng.choice(SEGMENTS).title()} {rng.choice(KINDS)} {account[-4:]}"
    consumer = rng.random() < 0.05
    email = f"ap{account.lower()}@client.example" if rng.random() < 0.9 else ""
    phone = f"01632 {rng.randint(100000, 999999)}" if rng.random() < 0.8 else ""
    address = (
        (
            f"{rng.randint(1, 200)} {rng.choice(NAMES)} Street\nUnit {account[-3:]}\n"
            f"Town {rng.randint(1, 99)}\n{country}"
        )
        if rng.random() < 0.85
        else ""
    )
    ledger.add(
        "clients",
        [
            account,
            name,
            email,
            phone,
            address,
            country,
            jurisdiction,
            "consumer" if consumer else "business",
            "private client" if consumer else rng.choice(SEGMENTS),
            terms,
            language,
            f"Contact {account}",
            "true" if rng.random() < 0.01 else "false",
        ],
    )


def _invoices(
    rng: random.Random,
    ledger: Ledger,
    counter: dict[str, int],
    account: str,
    currency: str,
    terms: str,
    profile: tuple[float, int, float],
    as_of: date,
) -> None:
    start = as_of - timedelta(days=365)
    unapplied = 0
    for month in range(rng.randint(10, 14)):
        counter["inv"] += 1
        invoice = f"INV-{counter['inv']:07d}"
        issued = start + timedelta(days=month * 28 + rng.randint(0, 20))
        if issued > as_of + timedelta(days=3):
            continue
        amount = rng.randint(15_000, 1_200_000)
        due = issued + timedelta(days=TERM_DAYS[terms])
        ledger.add(
            "invoices",
            [
                invoice,
                account,
                issued.isoformat(),
                money(amount),
                currency,
                "",
                f"Services, {issued:%B %Y}",
                f"PO-{rng.randint(1000, 9999)}",
            ],
        )
        _extras(rng, ledger, counter, account, currency, invoice, issued, amount)
        paid_share, days_late, partial = profile
        if rng.random() > paid_share:
            continue
        paid_on = max(issued, due + timedelta(days=max(-10, int(rng.gauss(days_late, 10)))))
        pay = amount if rng.random() > partial else amount * rng.randint(20, 90) // 100
        if rng.random() < 0.15:  # paid without naming the invoice: applied oldest first
            unapplied += pay
            if rng.random() < 0.5:
                continue  # pooled into one later unapplied payment
            pay, unapplied = unapplied, 0
            invoice = ""
        _payment(ledger, counter, account, currency, paid_on, pay, invoice)
    if unapplied:
        _payment(ledger, counter, account, currency, as_of - timedelta(days=5), unapplied, "")


def _payment(
    ledger: Ledger,
    counter: dict[str, int],
    account: str,
    currency: str,
    paid_on: date,
    amount: int,
    invoice: str,
) -> None:
    counter["pay"] += 1
    method = "SEPA credit transfer" if currency == "EUR" else "BACS"
    ledger.add(
        "payments",
        [
            f"PAY-{counter['pay']:07d}",
            account,
            paid_on.isoformat(),
            money(amount),
            currency,
            invoice,
            method,
            invoice,
        ],
    )


def _extras(
    rng: random.Random,
    ledger: Ledger,
    counter: dict[str, int],
    account: str,
    currency: str,
    invoice: str,
    issued: date,
    amount: int,
) -> None:
    """Occasional credit notes and disputes against an invoice."""
    roll = rng.random()
    if roll < 0.02:
        counter["cn"] += 1
        ledger.add(
            "credit_notes",
            [
                f"CN-{counter['cn']:06d}",
                account,
                (issued + timedelta(days=7)).isoformat(),
                money(amount // 10),
                currency,
                invoice,
                "goodwill",
            ],
        )
    elif roll < 0.03:
        opened = issued + timedelta(days=20)
        resolved = (opened + timedelta(days=30)).isoformat() if rng.random() < 0.5 else ""
        ledger.add("disputes", [invoice, opened.isoformat(), resolved, "hours queried"])


def _holds(
    rng: random.Random, ledger: Ledger, counter: dict[str, int], account: str, as_of: date
) -> None:
    """A few promises to pay and payment plans."""
    roll = rng.random()
    if roll < 0.02:
        promised = as_of - timedelta(days=rng.randint(3, 40))
        ledger.add(
            "promises",
            [
                account,
                promised.isoformat(),
                (promised + timedelta(days=14)).isoformat(),
                money(rng.randint(10_000, 500_000)),
            ],
        )
    elif roll < 0.03:
        counter["plan"] += 1
        agreed = as_of - timedelta(days=rng.randint(30, 120))
        for k in range(1, 5):
            ledger.add(
                "payment_plans",
                [
                    f"PP-{counter['plan']:05d}",
                    account,
                    agreed.isoformat(),
                    (agreed + timedelta(days=30 * k)).isoformat(),
                    money(rng.randint(20_000, 200_000)),
                ],
            )


def write(ledger: Ledger, folder: Path) -> dict[str, int]:
    """Write every ledger file as UTF-8 CSV; return data rows per file."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in ledger.files.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    return {name: len(rows) - 1 for name, rows in ledger.files.items()}
