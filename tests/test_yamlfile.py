from pathlib import Path

from collectbatch.yamlfile import load_yaml


def load(tmp_path: Path, text: str):
    p = tmp_path / "x.yaml"
    p.write_text(text, encoding="utf-8")
    return load_yaml(p, "rules/x.yaml")


def test_positions_are_recorded(tmp_path):
    data, loc, diags = load(tmp_path, "a:\n  b:\n    - 1\n    - c: 2\n")
    assert diags == []
    assert data == {"a": {"b": [1, {"c": 2}]}}
    assert loc.at(("a", "b", 1, "c")) == (4, 7)
    assert loc.at(("a", "nope")) == (1, 1)


def test_duplicate_key_is_an_error_not_last_wins(tmp_path):
    data, _, diags = load(tmp_path, "a: 1\nb: 2\na: 3\n")
    assert data is None
    assert [(d.code, d.line) for d in diags] == [("E106", 3)]
    assert "first written on line 1" in diags[0].message


def test_unsafe_tag_is_refused(tmp_path):
    data, _, diags = load(tmp_path, "a: !!python/object/apply:os.system ['echo hi']\n")
    assert data is None
    assert diags[0].code == "E104" and diags[0].line == 1
    assert "custom tags" in diags[0].fix


def test_alias_bomb_is_refused_before_expansion(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    data, _, diags = load(tmp_path, "\n".join(lines) + "\n")
    assert data is None
    assert diags[0].code == "E105"


def test_absurd_nesting_is_refused(tmp_path):
    data, _, diags = load(tmp_path, "a: " + "[" * 60 + "]" * 60 + "\n")
    assert data is None and diags[0].code == "E105"


def test_syntax_error_points_at_line(tmp_path):
    data, _, diags = load(tmp_path, "a: 1\nb: [unclosed\nc: 2\n")
    assert data is None and diags[0].code == "E104" and diags[0].line is not None
