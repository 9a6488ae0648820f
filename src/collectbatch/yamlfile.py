"""Read one policy YAML file safely, keeping where each value was written.

`yaml.SafeLoader` only; duplicate keys are an error (not last-wins); aliases that expand into huge
documents and absurd nesting are refused before anything is constructed. Every value's position is
kept in a `Locator` so schema errors can point at FILE:LINE:COL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic

MAX_NODES = 50_000
MAX_DEPTH = 40
MAX_BYTES = 2_000_000

YamlPath = tuple[str | int, ...]


@dataclass
class Locator:
    """Maps a YAML path (keys and list indexes) to its 1-based (line, column)."""

    file: str
    positions: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)

    def at(self, path: YamlPath) -> tuple[int | None, int | None]:
        """Position of `path`, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p not in self.positions and p:
            p = p[:-1]
        return self.positions.get(p, (None, None))

    def diagnostic(self, path: YamlPath, code: str, message: str, fix: str = "") -> Diagnostic:
        line, col = self.at(path)
        return Diagnostic(self.file, line, col, code, message, fix)


def load_yaml(path: Path, display: str) -> tuple[Any, Locator, list[Diagnostic]]:
    """Parse `path`; return (data, locator, diagnostics). Data is None when the file is unusable."""
    loc = Locator(display)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, loc, [Diagnostic(display, None, None, "E101", f"cannot read file: {exc}")]
    if len(raw) > MAX_BYTES:
        msg = f"file is {len(raw)} bytes; policy files are limited to {MAX_BYTES}"
        return None, loc, [Diagnostic(display, None, None, "E102", msg, "split the policy")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, loc, [Diagnostic(display, None, None, "E101", f"not UTF-8 text: {exc}")]
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters up front
        return (
            None,
            loc,
            [
                Diagnostic(
                    display,
                    None,
                    None,
                    "E104",
                    f"invalid YAML: {exc}",
                    "remove control characters from the file",
                )
            ],
        )
    try:
        node = loader.get_single_node()
        if node is None:
            return None, loc, [Diagnostic(display, 1, 1, "E103", "file is empty")]
        problems = _check_tree(node, loc)
        if problems:
            return None, loc, problems
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        fix = "policy files accept plain YAML only: no !!python or other custom tags"
        if "constructor" not in message:
            fix = "check indentation, colons and quotes on this line"
        return None, loc, [Diagnostic(display, line, col, "E104", f"invalid YAML: {message}", fix)]
    except yaml.YAMLError as exc:
        return None, loc, [Diagnostic(display, None, None, "E104", f"invalid YAML: {exc}")]
    finally:
        loader.dispose()
    return data, loc, []


def _check_tree(root: yaml.Node, loc: Locator) -> list[Diagnostic]:
    """Walk the composed node graph: record positions, refuse duplicates, bombs and deep nesting."""
    problems: list[Diagnostic] = []
    count = 0
    stack: list[tuple[yaml.Node, YamlPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        count += 1
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        if count > MAX_NODES:
            msg = f"document expands to more than {MAX_NODES} values (aliases?)"
            return [Diagnostic(loc.file, line, col, "E105", msg, "remove the repeated aliases")]
        if len(path) > MAX_DEPTH:
            msg = f"nesting deeper than {MAX_DEPTH} levels"
            return [Diagnostic(loc.file, line, col, "E105", msg, "flatten the structure")]
        loc.positions.setdefault(path, (line, col))
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                kline = key_node.start_mark.line + 1
                if key in seen:
                    msg = f'duplicate key "{key}" (first written on line {seen[key]})'
                    problems.append(
                        Diagnostic(
                            loc.file,
                            kline,
                            key_node.start_mark.column + 1,
                            "E106",
                            msg,
                            "keep one of the two; YAML would silently use the last",
                        )
                    )
                seen.setdefault(key, kline)
                loc.positions.setdefault(path + (key,), (kline, key_node.start_mark.column + 1))
                stack.append((value_node, path + (key,)))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                stack.append((item, path + (i,)))
    return problems
