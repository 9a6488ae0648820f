import json
import os

from click.testing import CliRunner

from collectbatch.cli import main


def invoke(paths, *args):
    old = os.getcwd()
    os.chdir(paths.root)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def test_run_writes_the_dated_folder_and_summarises(make_project):
    paths = make_project()
    res = invoke(paths, "run", "--as-of", "2026-12-01", "--workers", "1")
    assert res.exit_code == 0, res.output
    assert res.output.strip() == (
        "3 accounts evaluated; 2 email, 2 letter; 1 exceptions; batch in out/2026-12-01"
    )
    folder = paths.out / "2026-12-01"
    expected = {"actions.csv", "aging.csv", "exceptions.csv", "manifest.json", "summary.md"}
    assert expected <= {p.name for p in folder.iterdir()}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["as_of"] == "2026-12-01"
    assert manifest["counts"]["by_channel"] == {"email": 2, "letter": 2}
    assert "ledgers/invoices.csv" in manifest["inputs"]
    assert "rules/ladders.yaml" in manifest["inputs"]
    assert "actions.csv" in manifest["outputs"]
    assert oct(folder.stat().st_mode & 0o777) == "0o700"


def test_existing_batch_needs_force(make_project):
    paths = make_project()
    assert invoke(paths, "run", "--as-of", "2026-12-01", "--workers", "1").exit_code == 0
    again = invoke(paths, "run", "--as-of", "2026-12-01", "--workers", "1")
    assert again.exit_code == 1
    assert "already exists; use --force" in again.output
    assert invoke(paths, "run", "--as-of", "2026-12-01", "--force", "--workers", "1").exit_code == 0


def test_bad_input_lists_every_problem_and_writes_nothing(make_project):
    paths = make_project(
        {
            "ledgers/payments.csv": "payment_id,account_id,paid_on,amount,currency\n"
            "P1,C1,2026-02-30,1.00,GBP\nP2,C9,2026-01-01,1.0.0,GBP\n",
            "rules/terms.yaml": "default: net30\nterms:\n  net30: {days: thirty}\n",
        }
    )
    res = invoke(paths, "run", "--as-of", "2026-12-01")
    assert res.exit_code == 1
    lines = res.output.splitlines()
    assert any(line.startswith("rules/terms.yaml:3:") and "E201" in line for line in lines)
    assert any(line.startswith("ledgers/payments.csv:2: error[E311]") for line in lines)
    assert any(line.startswith("ledgers/payments.csv:3: error[E311]") for line in lines)
    assert any(line.startswith("ledgers/payments.csv:3: error[E320]") for line in lines)
    assert lines[-1] == "4 error(s); no batch written"
    assert not paths.out.exists() or not any(paths.out.iterdir())


def test_validate_is_quiet_when_all_is_well_and_exit_1_otherwise(make_project):
    paths = make_project()
    ok = invoke(paths, "validate")
    assert (ok.exit_code, ok.output) == (0, "")
    (paths.rules / "ladders.yaml").write_text("default: x\nladders: {x: {steps: []}}\n")
    bad = invoke(paths, "validate")
    assert bad.exit_code == 1 and "rules/ladders.yaml:2" in bad.output


def test_usage_errors_exit_2(make_project):
    paths = make_project()
    assert invoke(paths, "run", "--as-of", "01/12/2026").exit_code == 2
    assert invoke(paths, "run", "--bogus").exit_code == 2
    assert invoke(paths, "nosuchcommand").exit_code == 2
