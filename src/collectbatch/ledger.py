"""Stage 2, load ledger: the canonical CSVs under ledgers/ → typed DuckDB tables.

Python's csv module parses each file (it knows the exact line of every record, even with quoted
multi-line addresses); the raw text goes into DuckDB in one bulk insert per file, and every check
(types, required values, duplicates, references) runs there as SQL over the whole file. Values that
fail become Diagnostics at FILE:LINE:COL. The tables built for later stages are `clients`,
`invoices` and `payments`, with DECIMAL(18,2) money and DATE dates; every source row keeps its
`src` (FILE:LINE) so exceptions can point back at it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .diagnostics import Diagnostic, did_you_mean, display_path

MAX_FIELD = 100_000
AMOUNT_RE = r"^-?[0-9]{1,13}(\.[0-9]{1,2})?$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | id | date | amount | currency | bool | enum
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileSpec:
    name: str
    required: bool
    columns: tuple[Column, ...]
    key: str | None = None  # unique id column

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


SPECS: tuple[FileSpec, ...] = (
    FileSpec(
        "clients",
        True,
        (
            Column("account_id", "id", True),
            Column("name", "text", True),
            Column("email"),
            Column("phone"),
            Column("address"),
            Column("country"),
            Column("jurisdiction"),
            Column("client_type", "enum", choices=("business", "consumer")),
            Column("segment"),
            Column("terms"),
            Column("language"),
            Column("contact_name"),
            Column("do_not_contact", "bool"),
            Column("ladder"),
        ),
        key="account_id",
    ),
    FileSpec(
        "invoices",
        True,
        (
            Column("invoice_id", "id", True),
            Column("account_id", "id", True),
            Column("issue_date", "date", True),
            Column("amount", "amount", True),
            Column("currency", "currency", True),
            Column("due_date", "date"),
            Column("description"),
            Column("reference"),
        ),
        key="invoice_id",
    ),
    FileSpec(
        "payments",
        True,
        (
            Column("payment_id", "id", True),
            Column("account_id", "id", True),
            Column("paid_on", "date", True),
            Column("amount", "amount", True),
            Column("currency", "currency", True),
            Column("invoice_id", "id"),
            Column("method"),
            Column("reference"),
        ),
        key="payment_id",
    ),
    FileSpec(
        "credit_notes",
        False,
        (
            Column("credit_id", "id", True),
            Column("account_id", "id", True),
            Column("issued_on", "date", True),
            Column("amount", "amount", True),
            Column("currency", "currency", True),
            Column("invoice_id", "id"),
            Column("reason"),
        ),
        key="credit_id",
    ),
    FileSpec(
        "disputes",
        False,
        (
            Column("invoice_id", "id", True),
            Column("opened_on", "date", True),
            Column("resolved_on", "date"),
            Column("reason"),
        ),
    ),
    FileSpec(
        "payment_plans",
        False,
        (
            Column("plan_id", "id", True),
            Column("account_id", "id", True),
            Column("agreed_on", "date", True),
            Column("due_date", "date", True),
            Column("amount", "amount", True),
        ),
    ),
    FileSpec(
        "promises",
        False,
        (
            Column("account_id", "id", True),
            Column("promised_on", "date", True),
            Column("pay_by", "date", True),
            Column("amount", "amount", True),
        ),
    ),
)
ACCOUNT_FILES = ("invoices", "payments", "credit_notes", "payment_plans", "promises")
POSITIVE_AMOUNTS = ("invoices", "payments", "credit_notes", "payment_plans", "promises")


@dataclass
class Ledger:
    """The loaded ledger: a DuckDB connection holding the typed tables, and provenance."""

    con: duckdb.DuckDBPyConnection
    inputs: dict[str, str] = field(default_factory=dict)  # display path -> sha256
    row_counts: dict[str, int] = field(default_factory=dict)


def load_ledger(
    ledgers_dir: Path,
    display_root: Path,
    terms: set[str],
    con: duckdb.DuckDBPyConnection,
    ladders: set[str] | None = None,
) -> tuple[Ledger, list[Diagnostic]]:
    """Load every canonical CSV into `con`; return the Ledger and all problems found."""
    ledger = Ledger(con)
    diags: list[Diagnostic] = []
    for spec in SPECS:
        path = ledgers_dir / spec.filename
        shown = display_path(path, display_root)
        if not path.is_file():
            if spec.required:
                diags.append(
                    Diagnostic(
                        shown,
                        None,
                        None,
                        "E300",
                        "ledger file is missing",
                        f"export {spec.filename} with columns "
                        f"{', '.join(c.name for c in spec.columns if c.required)}",
                    )
                )
            _create_raw(con, spec, [], [])
            continue
        data = path.read_bytes()
        ledger.inputs[shown] = hashlib.sha256(data).hexdigest()
        lines, rows, problems = _parse(data, spec, shown)
        diags += problems
        _create_raw(con, spec, lines, rows)
        ledger.row_counts[spec.name] = len(lines)
        diags += _check_values(con, spec, shown)
    diags += _check_references(con, display_root, ledgers_dir, terms, ladders)
    if not diags:
        _build_typed(
            con, {s.name: display_path(ledgers_dir / s.filename, display_root) for s in SPECS}
        )
    return ledger, diags


def _parse(
    data: bytes, spec: FileSpec, shown: str
) -> tuple[list[int], list[list[str]], list[Diagnostic]]:
    """Parse CSV bytes into (line numbers, rows in spec column order, problems)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return (
            [],
            [],
            [
                Diagnostic(
                    shown,
                    line,
                    None,
                    "E301",
                    f"not UTF-8 text ({exc.reason})",
                    "save the export as UTF-8 CSV",
                )
            ],
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    diags: list[Diagnostic] = []
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [], [Diagnostic(shown, 1, None, "E302", f"cannot read the header: {exc}")]
    if header is None:
        return [], [], [Diagnostic(shown, 1, None, "E302", "file is empty; a header is required")]
    names = [h.strip().lower() for h in header]
    index, diags = _map_header(names, spec, shown)
    if diags:
        return [], [], diags
    lines: list[int] = []
    rows: list[list[str]] = []
    start = 2
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            diags.append(
                Diagnostic(
                    shown,
                    start,
                    None,
                    "E302",
                    f"cannot read this row: {exc}",
                    "check the quotes on this row",
                )
            )
            break
        if rec and any(v.strip() for v in rec):
            problem = _row_shape(rec, len(names), shown, start)
            if problem:
                diags.append(problem)
            else:
                lines.append(start)
                rows.append([rec[i].strip() if i is not None else "" for i in index])
        start = reader.line_num + 1
    return lines, rows, diags


def _map_header(
    names: list[str], spec: FileSpec, shown: str
) -> tuple[list[int | None], list[Diagnostic]]:
    diags = []
    for dup in sorted({n for n in names if names.count(n) > 1 and n}):
        diags.append(
            Diagnostic(
                shown,
                1,
                names.index(dup) + 1,
                "E303",
                f'column "{dup}" appears twice in the header',
            )
        )
    index: list[int | None] = []
    for col in spec.columns:
        if col.name in names:
            index.append(names.index(col.name))
        else:
            index.append(None)
            if col.required:
                diags.append(
                    Diagnostic(
                        shown,
                        1,
                        None,
                        "E304",
                        f'required column "{col.name}" is missing',
                        did_you_mean(col.name, names) or f'add a "{col.name}" column to the header',
                    )
                )
    return index, diags


def _row_shape(rec: list[str], width: int, shown: str, line: int) -> Diagnostic | None:
    if len(rec) != width:
        return Diagnostic(
            shown,
            line,
            None,
            "E305",
            f"row has {len(rec)} fields but the header has {width}",
            "quote values that contain commas",
        )
    return None


def _create_raw(
    con: duckdb.DuckDBPyConnection, spec: FileSpec, lines: list[int], rows: list[list[str]]
) -> None:
    cols = ", ".join(f"unnest(${i + 2}::VARCHAR[]) AS {c.name}" for i, c in enumerate(spec.columns))
    columns = [[r[i] for r in rows] for i in range(len(spec.columns))]
    con.execute(
        f"CREATE OR REPLACE TABLE raw_{spec.name} AS SELECT unnest($1::INTEGER[]) AS line, {cols}",
        [lines, *columns],
    )


def _bad_value_sql(col: Column) -> tuple[str, str, str]:
    """(SQL predicate that is true for a bad value, message, fix) for one column."""
    v = col.name
    if col.kind == "date":
        return (
            f"{v} <> '' AND NOT coalesce(regexp_full_match({v}, '{DATE_RE}') AND "
            f"try_cast({v} AS DATE) BETWEEN DATE '1900-01-01' AND DATE '2199-12-31', false)",
            'cannot read {value} as a date in column "{column}"',
            "write dates as YYYY-MM-DD, e.g. 2026-03-31",
        )
    if col.kind == "amount":
        return (
            f"{v} <> '' AND NOT regexp_full_match({v}, '{AMOUNT_RE}')",
            'cannot read {value} as an amount in column "{column}"',
            'use "." for decimals, at most two decimals, no thousands separator or symbol',
        )
    if col.kind == "currency":
        return (
            f"{v} <> '' AND NOT regexp_full_match(upper({v}), '^[A-Z]{{3}}$')",
            'cannot read {value} as a currency in column "{column}"',
            "use an ISO 4217 code such as GBP, EUR or USD",
        )
    if col.kind == "bool":
        return (
            f"lower({v}) NOT IN ('', 'true', 'false', 'yes', 'no', '1', '0')",
            'cannot read {value} as true/false in column "{column}"',
            "write true or false",
        )
    if col.kind == "enum":
        choices = ", ".join(f"'{c}'" for c in col.choices)
        return (
            f"{v} <> '' AND lower({v}) NOT IN ({choices})",
            '{value} is not allowed in column "{column}"',
            f"use one of: {', '.join(col.choices)}",
        )
    return ("false", "", "")


def _check_values(con: duckdb.DuckDBPyConnection, spec: FileSpec, shown: str) -> list[Diagnostic]:
    diags = []
    for col in spec.columns:
        sql = (
            f"SELECT line, length({col.name}) FROM raw_{spec.name} "
            f"WHERE length({col.name}) > {MAX_FIELD} ORDER BY line"
        )
        for line, size in con.execute(sql).fetchall():
            diags.append(
                Diagnostic(
                    shown,
                    line,
                    None,
                    "E306",
                    f'value in column "{col.name}" is {size} characters long (limit {MAX_FIELD})',
                    "this does not look like ledger data; check the export",
                )
            )
        if col.required:
            for (line,) in con.execute(
                f"SELECT line FROM raw_{spec.name} WHERE {col.name} = '' ORDER BY line"
            ).fetchall():
                diags.append(
                    Diagnostic(
                        shown,
                        line,
                        None,
                        "E310",
                        f'required value missing in column "{col.name}"',
                        f"fill in {col.name} or remove the row",
                    )
                )
        predicate, message, fix = _bad_value_sql(col)
        sql = f"SELECT line, {col.name} FROM raw_{spec.name} WHERE {predicate} ORDER BY line"
        for line, value in con.execute(sql).fetchall():
            shown_value = '"' + value[:60] + '"'
            diags.append(
                Diagnostic(
                    shown,
                    line,
                    None,
                    "E311",
                    message.format(value=shown_value, column=col.name),
                    fix,
                )
            )
    if spec.key:
        sql = (
            f"SELECT line, {spec.key}, first_line FROM (SELECT line, {spec.key}, "
            f"min(line) OVER (PARTITION BY {spec.key}) AS first_line FROM raw_{spec.name} "
            f"WHERE {spec.key} <> '') WHERE line <> first_line ORDER BY line"
        )
        for line, key, first in con.execute(sql).fetchall():
            diags.append(
                Diagnostic(
                    shown,
                    line,
                    None,
                    "E312",
                    f'{spec.key} "{key}" is used again (first on line {first})',
                    f"every {spec.key} must be unique",
                )
            )
    diags += _check_signs(con, spec, shown)
    return diags


def _check_signs(con: duckdb.DuckDBPyConnection, spec: FileSpec, shown: str) -> list[Diagnostic]:
    if spec.name not in POSITIVE_AMOUNTS:
        return []
    sql = (
        f"SELECT line, amount FROM raw_{spec.name} WHERE regexp_full_match(amount, "
        f"'{AMOUNT_RE}') AND amount::DECIMAL(18,2) <= 0 ORDER BY line"
    )
    fix = (
        "record credit notes in credit_notes.csv, not as negative invoices"
        if spec.name == "invoices"
        else "amounts here are positive; record refunds apart"
    )
    return [
        Diagnostic(shown, line, None, "E313", f'amount "{amount}" must be greater than zero', fix)
        for line, amount in con.execute(sql).fetchall()
    ]


def _check_references(
    con: duckdb.DuckDBPyConnection,
    root: Path,
    ledgers_dir: Path,
    terms: set[str],
    ladders: set[str] | None,
) -> list[Diagnostic]:
    diags = []
    known = [r[0] for r in con.execute("SELECT account_id FROM raw_clients").fetchall()]
    for name in ACCOUNT_FILES:
        shown = display_path(ledgers_dir / f"{name}.csv", root)
        sql = (
            f"SELECT r.line, r.account_id FROM raw_{name} r WHERE r.account_id <> '' AND "
            "r.account_id NOT IN (SELECT account_id FROM raw_clients) ORDER BY r.line"
        )
        for line, acc in con.execute(sql).fetchall():
            diags.append(
                Diagnostic(
                    shown,
                    line,
                    None,
                    "E320",
                    f'unknown account "{acc}" (not in clients.csv)',
                    did_you_mean(acc, known) or "add the client to clients.csv",
                )
            )
    for name, what in (("payments", "payment"), ("credit_notes", "credit note")):
        shown = display_path(ledgers_dir / f"{name}.csv", root)
        sql = (
            "SELECT p.line, p.invoice_id, i.invoice_id IS NULL, i.account_id, i.currency "
            f"FROM raw_{name} p LEFT JOIN raw_invoices i USING (invoice_id) "
            "WHERE p.invoice_id <> '' AND (i.invoice_id IS NULL OR i.account_id <> p.account_id "
            "OR upper(i.currency) <> upper(p.currency)) ORDER BY p.line"
        )
        for line, inv, missing, acc, cur in con.execute(sql).fetchall():
            msg = (
                f'{what} names unknown invoice "{inv}"'
                if missing
                else f'{what} names invoice "{inv}" of account "{acc}" in {cur.upper()}, '
                f"which is not this {what}'s account and currency"
            )
            diags.append(
                Diagnostic(
                    shown,
                    line,
                    None,
                    "E321",
                    msg,
                    "correct invoice_id, or leave it empty to apply oldest-first",
                )
            )
    shown = display_path(ledgers_dir / "disputes.csv", root)
    sql = (
        "SELECT d.line, d.invoice_id FROM raw_disputes d WHERE d.invoice_id <> '' AND "
        "d.invoice_id NOT IN (SELECT invoice_id FROM raw_invoices) ORDER BY d.line"
    )
    for line, inv in con.execute(sql).fetchall():
        diags.append(
            Diagnostic(
                shown,
                line,
                None,
                "E321",
                f'dispute names unknown invoice "{inv}"',
                "use an invoice_id from invoices.csv",
            )
        )
    sql = (
        "SELECT line FROM raw_disputes WHERE resolved_on <> '' AND "
        "try_cast(resolved_on AS DATE) < try_cast(opened_on AS DATE) ORDER BY line"
    )
    for (line,) in con.execute(sql).fetchall():
        diags.append(
            Diagnostic(
                shown, line, None, "E314", "resolved_on is before opened_on", "check the two dates"
            )
        )
    if ladders is not None:
        shown = display_path(ledgers_dir / "clients.csv", root)
        sql = (
            "SELECT line, ladder FROM raw_clients WHERE ladder <> '' AND "
            "NOT list_contains($1, ladder) ORDER BY line"
        )
        for line, lad in con.execute(sql, [sorted(ladders)]).fetchall():
            diags.append(
                Diagnostic(
                    shown,
                    line,
                    None,
                    "E323",
                    f'unknown ladder "{lad}"',
                    did_you_mean(lad, ladders) or "define it in rules/ladders.yaml",
                )
            )
    shown = display_path(ledgers_dir / "clients.csv", root)
    sql = (
        "SELECT line, terms FROM raw_clients WHERE terms <> '' AND NOT list_contains($1, terms)"
        " ORDER BY line"
    )
    for line, t in con.execute(sql, [sorted(terms)]).fetchall():
        diags.append(
            Diagnostic(
                shown,
                line,
                None,
                "E322",
                f'unknown terms "{t}"',
                did_you_mean(t, terms) or "define it in rules/terms.yaml",
            )
        )
    return diags


def _build_typed(con: duckdb.DuckDBPyConnection, shown: dict[str, str]) -> None:
    """Typed tables for evaluation; only built when every value passed its checks."""
    con.execute(
        """
        CREATE OR REPLACE TABLE clients AS SELECT
          account_id, name, nullif(email, '') AS email, nullif(phone, '') AS phone,
          nullif(address, '') AS address, upper(nullif(country, '')) AS country,
          nullif(jurisdiction, '') AS jurisdiction,
          coalesce(lower(nullif(client_type, '')), 'business') AS client_type,
          nullif(segment, '') AS segment, nullif(terms, '') AS terms,
          lower(nullif(language, '')) AS language, nullif(contact_name, '') AS contact_name,
          lower(do_not_contact) IN ('true', 'yes', '1') AS do_not_contact,
          nullif(ladder, '') AS ladder, $1 || ':' || line AS src
        FROM raw_clients""",
        [shown["clients"]],
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE invoices AS SELECT
          invoice_id, account_id, issue_date::DATE AS issue_date, amount::DECIMAL(18,2) AS amount,
          upper(currency) AS currency, nullif(due_date, '')::DATE AS due_date_given,
          description, reference, $1 || ':' || line AS src
        FROM raw_invoices""",
        [shown["invoices"]],
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE payments AS SELECT
          payment_id, account_id, paid_on::DATE AS paid_on, amount::DECIMAL(18,2) AS amount,
          upper(currency) AS currency, nullif(invoice_id, '') AS invoice_id, method, reference,
          $1 || ':' || line AS src
        FROM raw_payments""",
        [shown["payments"]],
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE credit_notes AS SELECT
          credit_id, account_id, issued_on::DATE AS issued_on, amount::DECIMAL(18,2) AS amount,
          upper(currency) AS currency, nullif(invoice_id, '') AS invoice_id, reason,
          $1 || ':' || line AS src
        FROM raw_credit_notes""",
        [shown["credit_notes"]],
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE disputes AS SELECT
          invoice_id, opened_on::DATE AS opened_on, nullif(resolved_on, '')::DATE AS resolved_on,
          reason, $1 || ':' || line AS src
        FROM raw_disputes""",
        [shown["disputes"]],
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE payment_plans AS SELECT
          plan_id, account_id, agreed_on::DATE AS agreed_on, due_date::DATE AS due_date,
          amount::DECIMAL(18,2) AS amount, $1 || ':' || line AS src
        FROM raw_payment_plans""",
        [shown["payment_plans"]],
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE promises AS SELECT
          account_id, promised_on::DATE AS promised_on, pay_by::DATE AS pay_by,
          amount::DECIMAL(18,2) AS amount, $1 || ':' || line AS src
        FROM raw_promises""",
        [shown["promises"]],
    )
