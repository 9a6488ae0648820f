import json
from pathlib import Path

from collectbatch.policy import load_policy

from .conftest import REPO


def test_shipped_policy_loads(make_project):
    paths = make_project()
    policy, diags = load_policy(paths.rules, paths.root)
    assert diags == []
    assert policy is not None
    ladder = policy.ladder()
    assert [s.id for s in ladder.steps] == [
        "pre-due",
        "overdue-1",
        "overdue-2",
        "final-demand",
        "agency",
    ]
    assert str(ladder.step("overdue-2").minimum("EUR")) == "60.00"
    assert str(ladder.step("overdue-2").minimum("USD")) == "50.00"


def test_unknown_key_points_at_line_with_did_you_mean(make_project):
    paths = make_project()
    text = (paths.rules / "terms.yaml").read_text().replace("grace_days: 0", "grace_dayz: 0")
    (paths.rules / "terms.yaml").write_text(text)
    policy, diags = load_policy(paths.rules, paths.root)
    assert policy is None
    (d,) = diags
    assert d.code == "E201" and d.file == "rules/terms.yaml"
    assert (d.line, d.column) == (text.splitlines().index("    grace_dayz: 0") + 1, 5)
    assert 'did you mean "grace_days"' in d.fix


def test_cross_checks_report_every_problem(make_project):
    paths = make_project(
        {
            "rules/ladders.yaml": """\
default: missing
ladders:
  standard:
    steps:
      - {id: a, offset_days: 5, channels: [email], template: overdue}
      - {id: a, offset_days: 3, channels: [email], template: overdue}
"""
        }
    )
    policy, diags = load_policy(paths.rules, paths.root)
    assert policy is None
    assert sorted((d.code, d.line) for d in diags) == [("E202", 1), ("E203", 6), ("E204", 6)]


def test_missing_and_unknown_policy_files(make_project):
    paths = make_project()
    (paths.rules / "creditor.yaml").unlink()
    (paths.rules / "ladder.yaml").write_text("x: 1\n")
    _, diags = load_policy(paths.rules, paths.root)
    codes = {(d.code, d.file) for d in diags}
    assert ("E100", "rules/creditor.yaml") in codes
    assert ("E107", "rules/ladder.yaml") in codes


def test_every_schema_property_has_a_description():
    def walk(node, path):
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                assert "description" in sub, f"{path}/properties/{name} has no description"
            for key, sub in node.items():
                if key not in ("if", "not"):  # conditions restate properties documented elsewhere
                    walk(sub, f"{path}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{path}/{i}")

    for schema in sorted((REPO / "schemas").glob("*.schema.json")):
        doc = json.loads(Path(schema).read_text())
        assert doc["$schema"].endswith("2020-12/schema")
        walk(doc, schema.name)
