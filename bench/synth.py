"""A synthetic, valid ledger for the benchmark: deterministic for a given size, date and seed.

Clients are spread over the jurisdictions, languages, terms and client types of the shipped
rules; each has ten to fourteen invoices over the year before the batch date, paid on time,
late, in part, by unapplied payments (settled oldest first), or not at all. A few credit notes,
disputes, promises to pay and payment plans exercise the optional ledgers. Amounts are integer
cents turned into two-decimal strings through Decimal; nothing here is a float.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

HEADERS = {
    "clients": "account_id name email phone address country jurisdiction client_type segment "
    "terms language contact_name do_not_contact",
    "invoices": "invoice_id account_id issue_date amount currency due_date description reference",
    "payments": "payment_id account_id paid_on amount currency invoice_id method reference",
    "credit_notes": "credit_id account_id issued_on amount currency invoice_id reason",
    "disputes": "invoice_id opened_on resolved_on reason",
    "promises": "account_id promised_on pay_by amount",
    "payment_plans": "plan_id account_id agreed_on due_date amount",
}
# (country, jurisdiction, language, currency), weight
REGIONS = {
    ("GB", "GB-EAW", "en", "GBP"): 70,
    ("DE", "DE", "de", "EUR"): 10,
    ("FR", "FR", "fr", "EUR"): 8,
    ("IE", "IE", "en", "EUR"): 7,
    ("GB", "GB-EAW", "", "GBP"): 5,  # no language: English, UK formats
}
TERMS = {"": 70, "net30": 10, "net14": 8, "receipt": 4, "net30-fees": 4, "net30-2-10": 4}
TERM_DAYS = {"": 30, "net30": 30, "net14": 14, "receipt": 0, "net30-fees": 30, "net30-2-10": 30}
SEGMENTS = ("retainer", "project", "key account", "small business", "events", "quarterly")
NAMES = ("Calder", "Brunswick", "Kestrel", "Rheinwerk", "Duval & Fils", "O'Brien", "Nordlicht")
KINDS = ("Ltd", "GmbH", "SAS", "plc", "LLP", "Services Ltd")


@dataclass(frozen=True)
class Payer:
    """How a client pays: share of invoices paid, mean days late, share paid only in part."""

    pays: float
    days_late: int
    partial: float


PAYERS = {
    Payer(0.98, 0, 0.01): 45,
    Payer(0.9, 25, 0.05): 30,
    Payer(0.85, 10, 0.35): 15,
    Payer(0.45, 60, 0.2): 10,
}


def money(cents: int) -> str:
    """Integer cents → a two-decimal amount string."""
    return str((Decimal(cents) / 100).quantize(Decimal("0.01")))


@dataclass
class Generator:
    rng: random.Random
    as_of: date
    rows: dict[str, list[list[str]]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def pick(self, weighted: dict[T, int]) -> T:
        return self.rng.choices(list(weighted), weights=list(weighted.values()))[0]

    def next_id(self, prefix: str) -> str:
        self.ids[prefix] = self.ids.get(prefix, 0) + 1
        return f"{prefix}-{self.ids[prefix]:07d}"

    def add(self, name: str, *values: str) -> None:
        self.rows.setdefault(name, []).append(list(values))

    def client(self, n: int) -> None:
        rng, account = self.rng, f"C{n:06d}"
        country, jurisdiction, language, currency = self.pick(REGIONS)
        terms = self.pick(TERMS)
        consumer = rng.random() < 0.05
        name = f"{rng.choice(NAMES)} {rng.choice(SEGMENTS).title()} {rng.choice(KINDS)} {n}"
        address = f"{rng.randint(1, 200)} {rng.choice(NAMES)} Street\nTown {n % 97}\n{country}"
        self.add(
            "clients", account, name,
            f"ap{n}@client.example" if rng.random() < 0.9 else "",
            f"01632 {rng.randint(100000, 999999)}" if rng.random() < 0.8 else "",
            address if rng.random() < 0.85 else "", country, jurisdiction,
            "consumer" if consumer else "business",
            "private client" if consumer else rng.choice(SEGMENTS), terms, language,
            f"Contact {n}", "true" if rng.random() < 0.01 else "false",
        )  # fmt: skip
        payer = self.pick(PAYERS)
        currencies = [currency] + (["EUR"] if currency == "GBP" and rng.random() < 0.05 else [])
        for cur in currencies:  # a second currency is a second account
            self.invoices(account, cur, TERM_DAYS[terms], payer)
        self.holds(account)

    def invoices(self, account: str, currency: str, term_days: int, payer: Payer) -> None:
        rng, start = self.rng, self.as_of - timedelta(days=365)
        unapplied = 0
        for month in range(rng.randint(10, 14)):
            issued = start + timedelta(days=month * 28 + rng.randint(0, 20))
            if issued > self.as_of + timedelta(days=3):  # a few are dated after the batch
                continue
            invoice, amount = self.next_id("INV"), rng.randint(15_000, 1_200_000)
            self.add(
                "invoices", invoice, account, issued.isoformat(), money(amount), currency, "",
                f"Services, {issued:%B %Y}", f"PO-{rng.randint(1000, 9999)}",
            )  # fmt: skip
            amount -= self.credit_or_dispute(account, currency, invoice, issued, amount)
            if rng.random() > payer.pays:
                continue
            late = timedelta(days=max(-10, int(rng.gauss(payer.days_late, 10))))
            paid_on = max(issued, issued + timedelta(days=term_days) + late)
            if paid_on > self.as_of and rng.random() > 0.02:
                continue  # not paid yet (a few payments dated after the batch are kept)
            pay = amount if rng.random() > payer.partial else amount * rng.randint(20, 90) // 100
            if rng.random() < 0.15:  # names no invoice: settles the oldest open ones
                unapplied, pay, invoice = unapplied + pay, 0, ""
                if rng.random() < 0.5:
                    pay, unapplied = unapplied, 0
            if pay:
                self.payment(account, currency, paid_on, pay, invoice)
        if unapplied:
            self.payment(account, currency, self.as_of - timedelta(days=5), unapplied, "")

    def payment(self, account: str, currency: str, on: date, cents: int, invoice: str) -> None:
        method = "SEPA credit transfer" if currency == "EUR" else "BACS"
        self.add(
            "payments", self.next_id("PAY"), account, on.isoformat(), money(cents), currency,
            invoice, method, invoice or account,
        )  # fmt: skip

    def credit_or_dispute(
        self, account: str, currency: str, invoice: str, issued: date, amount: int
    ) -> int:
        """Now and then a credit note (returns the cents credited) or a dispute."""
        roll = self.rng.random()
        if roll < 0.02:
            credit = amount // 10
            on = (issued + timedelta(days=7)).isoformat()
            self.add("credit_notes", self.next_id("CN"), account, on, money(credit), currency,
                     invoice, "goodwill")  # fmt: skip
            return credit
        if roll < 0.03:
            opened = issued + timedelta(days=20)
            resolved = opened + timedelta(days=30) if self.rng.random() < 0.5 else None
            self.add("disputes", invoice, opened.isoformat(),
                     resolved.isoformat() if resolved else "", "hours queried")  # fmt: skip
        return 0

    def holds(self, account: str) -> None:
        """A promise to pay for about 2% of clients, a payment plan for about 1%."""
        rng, roll = self.rng, self.rng.random()
        if roll < 0.02:
            promised = self.as_of - timedelta(days=rng.randint(3, 40))
            self.add("promises", account, promised.isoformat(),
                     (promised + timedelta(days=14)).isoformat(),
                     money(rng.randint(10_000, 500_000)))  # fmt: skip
        elif roll < 0.03:
            plan, agreed = self.next_id("PP"), self.as_of - timedelta(days=rng.randint(30, 120))
            for k in range(1, 5):
                due = (agreed + timedelta(days=30 * k)).isoformat()
                self.add("payment_plans", plan, account, agreed.isoformat(), due,
                         money(rng.randint(20_000, 200_000)))  # fmt: skip


def generate(clients: int, as_of: date, seed: int) -> dict[str, list[list[str]]]:
    """Rows (without header) per ledger file for `clients` clients as of `as_of`."""
    gen = Generator(random.Random(seed), as_of, {name: [] for name in HEADERS})
    for n in range(1, clients + 1):
        gen.client(n)
    return gen.rows


def write(rows: dict[str, list[list[str]]], folder: Path) -> dict[str, int]:
    """Write each ledger file as UTF-8 CSV with its header; return the data rows per file."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in rows.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(HEADERS[name].split())
            writer.writerows(data)
    return {name: len(data) for name, data in rows.items()}
