"""The README is the manual: every command, option, error code and exception kind is in it."""

import re

from click.testing import CliRunner

from collectbatch.cli import main

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_command_and_option_is_documented():
    for name, cmd in main.commands.items():
        assert f"collectbatch {name}" in README, name
        for param in cmd.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--"):
                    assert opt in README, f"{name} {opt}"
        help_text = CliRunner().invoke(main, [name, "--help"]).output
        assert "Example" in help_text, name


def test_every_error_code_is_documented():
    codes = set()
    for path in (REPO / "src" / "collectbatch").glob("*.py"):
        codes |= set(re.findall(r'"(E\d{3})"', path.read_text(encoding="utf-8")))
    assert codes
    missing = sorted(c for c in codes if f"| {c} |" not in README)
    assert missing == []


def test_every_exception_kind_is_documented():
    src = REPO / "src" / "collectbatch"
    kinds = set()
    for module in ("plan.py", "handoff.py"):
        kinds |= set(re.findall(r'"", "([a-z]+(?:-[a-z]+)+)"', (src / module).read_text()))
    kinds |= set(re.findall(r'kind="([a-z]+(?:-[a-z]+)+)"', (src / "statement.py").read_text()))
    kinds |= set(
        re.findall(
            r'"(rate-[a-z]+|claims-review|compensation-currency)"',
            (src / "statement.py").read_text(),
        )
    )
    for sql_module in ("evaluate.py", "ladder.py"):
        kinds |= set(re.findall(r"'([a-z]+(?:-[a-z]+)*)',?$", (src / sql_module).read_text(), re.M))
    kinds |= set(re.findall(r"THEN '([a-z]+(?:-[a-z]+)*)'$", (src / "ladder.py").read_text(), re.M))
    kinds -= {"oldest-first", "credit", "void", "kept", "open", "broken", "complete"}  # SQL values
    assert {"do-not-contact", "not-yet-issued", "credit-balance"} <= kinds
    documented = set(re.findall(r"^\| `([a-z-]+)`", README, re.M))
    documented |= set(re.findall(r"^\| `[a-z-]+`, `([a-z-]+)`", README, re.M))
    documented |= set(re.findall(r"^\| `[a-z-]+`, `[a-z-]+`, `([a-z-]+)`", README, re.M))
    assert sorted(kinds - documented) == []


def test_every_condition_fact_and_operator_is_documented():
    from collectbatch.conditions import FACTS, OPERATORS

    for name in [*FACTS, *OPERATORS, "in", "not_in"]:
        assert f"`{name}`" in README, name
