"""Issue 5: reproducible, atomic, and safe against hostile policy, templates and ledgers."""

import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectbatch.batch import verify_batch
from collectbatch.diagnostics import InputError
from collectbatch.safety import redact, safe_filename, spreadsheet_safe
from collectbatch.yamlfile import load_yaml

from .test_cli import invoke


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_two_runs_give_byte_identical_folders(make_project, run_batch, tmp_path):
    paths = make_project()
    first = tree_hashes(run_batch(paths, "2026-12-01").folder)
    other = paths.__class__(
        paths.rules, paths.ledgers, paths.letters, tmp_path / "elsewhere", None, paths.root
    )
    second = tree_hashes(run_batch(other, "2026-12-01").folder)
    assert first == second
    assert any(k.endswith(".pdf") for k in first) and any(k.endswith(".eml") for k in first)


def test_verify_reports_modified_missing_and_added(make_project, run_batch):
    folder = run_batch(make_project(), "2026-12-01").folder
    assert verify_batch(folder).ok
    (folder / "aging.csv").write_text("tampered\n")
    (folder / "letters/C2-GBP-final-demand.pdf").unlink()
    (folder / "letters/extra.pdf").write_bytes(b"%PDF")
    result = verify_batch(folder)
    assert result.modified == ("aging.csv",)
    assert result.missing == ("letters/C2-GBP-final-demand.pdf",)
    assert result.added == ("letters/extra.pdf",)
    res = invoke(_paths_of(folder), "verify", str(folder))
    assert res.exit_code == 1
    assert res.output.splitlines() == [
        "modified: aging.csv",
        "missing: letters/C2-GBP-final-demand.pdf",
        "added: letters/extra.pdf",
    ]


def _paths_of(folder: Path):
    from collectbatch.pipeline import Paths

    root = folder.parents[1]
    return Paths(root / "rules", root / "ledgers", root / "letters", root / "out", None, root)


@pytest.mark.parametrize("delay", [0.3, 0.9, 1.5, 2.2, 3.0])
def test_kill_9_leaves_previous_batch_or_none_and_rerun_recovers(make_project, delay):
    paths = make_project()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    cmd = [
        sys.executable,
        "-m",
        "collectbatch",
        "run",
        "--as-of",
        "2026-12-01",
        "--force",
        "--workers",
        "2",
    ]
    subprocess.run(cmd, cwd=paths.root, env=env, check=True, capture_output=True)
    folder = paths.out / "2026-12-01"
    before = (folder / "actions.csv").read_text()
    # a new payment makes the finished re-run distinguishable from the previous batch
    with (paths.ledgers / "payments.csv").open("a") as fh:
        fh.write("P3,C2,2026-11-30,300.00,GBP,I3\n")
    check = paths.root / "check-out"
    subprocess.run(
        [*cmd, "--out", str(check)], cwd=paths.root, env=env, check=True, capture_output=True
    )
    after = (check / "2026-12-01" / "actions.csv").read_text()
    assert before != after

    proc = subprocess.Popen(
        cmd,
        cwd=paths.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    if folder.exists():  # whatever stands under the date's name is complete: old or new
        assert verify_batch(folder).ok
        assert (folder / "actions.csv").read_text() in (before, after)
    else:  # killed between the two renames: the previous batch waits aside, complete
        (aside,) = [p for p in paths.out.iterdir() if ".replaced-" in p.name]
        assert verify_batch(aside).ok

    done = subprocess.run(cmd, cwd=paths.root, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (folder / "actions.csv").read_text() == after
    assert tree_hashes(folder) == tree_hashes(check / "2026-12-01")
    assert sorted(p.name for p in paths.out.iterdir()) == ["2026-12-01"]


def test_stale_partial_folder_is_cleaned_and_never_history(make_project, run_batch):
    paths = make_project()
    paths.out.mkdir()
    junk = paths.out / ".2026-12-01.partial-99999"
    junk.mkdir()
    (junk / "actions.csv").write_text("action_id\n")
    run_batch(paths, "2026-12-01")
    assert sorted(p.name for p in paths.out.iterdir()) == ["2026-12-01"]


def test_batch_folder_and_files_are_owner_only(make_project, run_batch):
    folder = run_batch(make_project(), "2026-12-01").folder
    assert folder.stat().st_mode & 0o077 == 0
    for p in folder.rglob("*"):
        assert p.stat().st_mode & 0o077 == 0, p


def test_sandbox_refuses_python_internals_with_a_located_error(make_project, run_batch):
    paths = make_project()
    (paths.letters / "final.html").write_text(
        '{% extends "base.html" %}{% block body %}\n'
        "{{ ''.__class__.__mro__[1].__subclasses__() }}{% endblock %}"
    )
    with pytest.raises(InputError) as err:
        run_batch(paths, "2026-12-01")
    (d,) = err.value.diagnostics
    assert (d.file, d.line, d.code) == ("letters/final.html", 2, "E403")
    assert "SecurityError" in d.message or "unsafe" in d.message
    assert not (paths.out / "2026-12-01").exists()


def test_hostile_ids_become_safe_unique_file_names():
    names = ["../../etc/passwd", "/abs/path", "CON", "con.txt", "a/b", "a_b", ".hidden", "ok-1"]
    cleaned = [safe_filename(n) for n in names]
    assert len(set(cleaned)) == len(cleaned)
    for c in cleaned:
        assert "/" not in c and not c.startswith(".") and c.split(".")[0].lower() != "con"
    assert safe_filename("ok-1") == "ok-1"


def test_csv_outputs_neutralise_formulas(make_project, run_batch):
    paths = make_project(
        {
            "ledgers/clients.csv": (
                "account_id,name,email,phone,address,country,terms\n"
                "=cmd|' /C calc'!A0,@SUM(1),a@x.example,+441632960001,\"1 Road\",GB,\n"
                'C2,Beta Ltd,,2,"2 Street",GB,net14\nC3,Gamma,g@g.example,,,DE,\n'
            ),
            "ledgers/invoices.csv": "invoice_id,account_id,issue_date,amount,currency\n"
            "-I1,=cmd|' /C calc'!A0,2026-10-01,100.00,GBP\n",
            "ledgers/payments.csv": "payment_id,account_id,paid_on,amount,currency\n",
        }
    )
    folder = run_batch(paths, "2026-12-01").folder
    rows = list(csv.reader((folder / "actions.csv").open()))
    assert rows[1][2] == "'=cmd|' /C calc'!A0"
    assert rows[1][9] == "'-I1"
    calls = list(csv.DictReader((folder / "calls/call-list.csv").open()))
    assert calls[0]["name"] == "'@SUM(1)" and calls[0]["phone"] == "'+441632960001"
    assert spreadsheet_safe("plain") == "plain"


@pytest.mark.parametrize(
    "cell,code",
    [
        ("1000000000000000.00", "E311"),  # 10^15: beyond any ledger we accept
        ("9999-12-31", "E311"),
    ],
)
def test_absurd_values_are_clean_errors(make_project, cell, code):
    col = "amount" if "." in cell else "issue_date"
    row = {"amount": "10.00", "issue_date": "2026-01-01"}
    row[col] = cell
    paths = make_project(
        {
            "ledgers/invoices.csv": "invoice_id,account_id,issue_date,amount,"
            f"currency\nI1,C1,{row['issue_date']},{row['amount']},GBP\n",
            "ledgers/payments.csv": "payment_id,account_id,paid_on,amount,currency\n",
        }
    )
    res = invoke(paths, "run", "--as-of", "2026-12-01")
    assert res.exit_code == 1
    assert f"ledgers/invoices.csv:2: error[{code}]" in res.output


def test_logs_never_print_full_card_or_account_numbers(make_project):
    paths = make_project(
        {
            "ledgers/payments.csv": "payment_id,account_id,paid_on,amount,currency\n"
            "P1,C1,2026-01-01,4111 1111 1111 1111,GBP\n"
        }
    )
    res = invoke(paths, "validate")
    assert res.exit_code == 1
    assert "4111 1111 1111 1111" not in res.output and "1111" in res.output
    assert redact("IBAN GB29 WEST 2045 7741 8372 65").endswith("7265")
    assert "2045 7741" not in redact("IBAN GB29 WEST 2045 7741 8372 65")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(max_size=300)
    | st.from_regex(r"[a-z]{1,3}:( [&*!|>{}\[\]-]?[a-z0-9]{0,4}\n?){0,8}")
)
def test_yaml_loader_fuzz_only_clean_errors(tmp_path, text):
    p = tmp_path / "fuzz.yaml"
    p.write_bytes(text.encode("utf-8", "replace"))
    data, _, diags = load_yaml(p, "rules/fuzz.yaml")
    for d in diags:
        assert d.code.startswith("E1") and d.file == "rules/fuzz.yaml"
    assert data is None or not diags


def test_hostile_account_ids_stay_inside_the_batch_and_unique(make_project, run_batch):
    paths = make_project(
        {
            "ledgers/clients.csv": (
                "account_id,name,email,address\n"
                "../../evil,Evil Ltd,e@x.example,1 Road\n"
                "__evil,Other Ltd,o@x.example,2 Road\n"
                "CON,Reserved Ltd,r@x.example,3 Road\n"
            ),
            "ledgers/invoices.csv": (
                "invoice_id,account_id,issue_date,amount,currency\n"
                "I1,../../evil,2026-08-01,100.00,GBP\n"
                "I2,__evil,2026-08-01,100.00,GBP\n"
                "I3,CON,2026-08-01,100.00,GBP\n"
            ),
            "ledgers/payments.csv": "payment_id,account_id,paid_on,amount,currency\n",
        }
    )
    folder = run_batch(paths, "2026-12-01").folder
    docs = [r["document"] for r in csv.DictReader((folder / "actions.csv").open())]
    assert len(docs) == len(set(docs)) == 6
    for doc in docs:
        target = (folder / doc).resolve()
        assert target.is_relative_to(folder.resolve()) and target.is_file()
        assert Path(doc).name.split(".")[0].lower() not in {"con", "nul", "aux", "prn"}
    assert not (paths.root / "evil-GBP-final-demand.pdf").exists()


def test_summary_masks_card_numbers_from_ledger_text(make_project, run_batch):
    paths = make_project(
        {
            "ledgers/clients.csv": (
                "account_id,name,email,address\nC1,Card 4111 1111 1111 1111 Ltd,a@x.example,1 Rd\n"
                "C2,B,b@x.example,2 Rd\nC3,C,c@x.example,3 Rd\n"
            )
        }
    )
    folder = run_batch(paths, "2026-12-01").folder
    summary = (folder / "summary.md").read_text()
    assert "C1" in summary and "4111 1111 1111 1111" not in summary and "1111 Ltd" in summary


def test_manifest_records_the_policy_commit_and_uncommitted_changes(make_project, run_batch):
    import json

    paths = make_project()
    git = ["git", "-C", str(paths.root), "-c", "user.name=t", "-c", "user.email=t@x.example"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "rules", "letters"], check=True)
    subprocess.run([*git, "commit", "-qm", "policy"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    clean = json.loads((run_batch(paths, "2026-12-01").folder / "manifest.json").read_text())
    assert clean["policy"] == {"git_commit": head.strip(), "uncommitted_changes": False}
    with (paths.rules / "terms.yaml").open("a") as fh:
        fh.write("# edited\n")
    dirty = json.loads((run_batch(paths, "2026-12-01").folder / "manifest.json").read_text())
    assert dirty["policy"]["uncommitted_changes"] is True
    assert dirty["inputs"]["rules/terms.yaml"] != clean["inputs"]["rules/terms.yaml"]
