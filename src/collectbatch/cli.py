"""The `collectbatch` command: a thin click layer over the pipeline.

Exit codes: 0 ok, 1 problems in the input (or an existing batch without --force, or a verify
mismatch), 2 usage error. The clock is read here and nowhere below.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from . import __version__
from .batch import BatchExists, verify_batch
from .diagnostics import InputError
from .pipeline import Paths, load_inputs, run


def _dirs(f):  # type: ignore[no-untyped-def]
    for name, default in (("letters", "letters"), ("ledgers", "ledgers"), ("rules", "rules")):
        f = click.option(
            f"--{name}",
            default=default,
            show_default=True,
            type=click.Path(file_okay=False, path_type=Path),
            help=f"Folder of {name}.",
        )(f)
    return f


@click.group()
@click.version_option(__version__, prog_name="collectbatch")
def main() -> None:
    """collectbatch: turn payment rules and ledgers into a reviewed collection batch.

    \b
    Examples:
      collectbatch validate
      collectbatch run --as-of 2026-12-01
      collectbatch verify out/2026-12-01
    """


@main.command("run")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Batch date (YYYY-MM-DD); default today.",
)
@_dirs
@click.option(
    "--out",
    default="out",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where batch folders go.",
)
@click.option(
    "--history",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of earlier batches; default the --out folder.",
)
@click.option("--force", is_flag=True, help="Replace an existing batch folder for this date.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="PDF rendering processes; default the number of cores (max 4).",
)
def run_cmd(as_of, rules, ledgers, letters, out, history, force, workers):  # type: ignore[no-untyped-def]
    """Write the batch folder OUT/<AS-OF>/ (letters, emails, calls, actions, manifest).

    \b
    Example:
      collectbatch run --as-of 2026-12-01 --force
    """
    day = as_of.date() if as_of else date.today()
    paths = Paths(rules, ledgers, letters, out, history, Path.cwd())
    try:
        result = run(paths, day, force, workers)
    except InputError as exc:
        _report(exc)
        sys.exit(1)
    except BatchExists as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    channels = {}
    for a in result.plan.actions:
        channels[a.channel] = channels.get(a.channel, 0) + 1
    by_channel = ", ".join(f"{n} {c}" for c, n in sorted(channels.items())) or "no actions"
    click.echo(
        f"{len(result.evaluation.accounts)} accounts evaluated; {by_channel}; "
        f"{len(result.plan.notes)} exceptions; batch in {result.folder}"
    )


@main.command("validate")
@_dirs
def validate_cmd(rules, ledgers, letters):  # type: ignore[no-untyped-def]
    """Check rules, templates and ledgers; print every problem as FILE:LINE: message.

    \b
    Example:
      collectbatch validate --rules rules --ledgers ledgers
    """
    try:
        load_inputs(Paths(rules, ledgers, letters, Path("out"), None, Path.cwd()))
    except InputError as exc:
        _report(exc)
        sys.exit(1)


def _report(exc: InputError) -> None:
    for d in exc.diagnostics:
        click.echo(d.format(), err=True)
    errors = sum(1 for d in exc.diagnostics if d.severity == "error")
    click.echo(f"{errors} error(s); no batch written", err=True)


@main.command("verify")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def verify_cmd(folder: Path) -> None:
    """Re-hash a batch folder against its manifest.json; exit 1 if anything changed.

    \b
    Example:
      collectbatch verify out/2026-12-01
    """
    if not (folder / "manifest.json").is_file():
        click.echo(f"error: {folder}/manifest.json not found; is this a batch folder?", err=True)
        sys.exit(1)
    result = verify_batch(folder)
    for label, names in (
        ("modified", result.modified),
        ("missing", result.missing),
        ("added", result.added),
    ):
        for name in names:
            click.echo(f"{label}: {name}")
    if not result.ok:
        sys.exit(1)
    click.echo(f"{folder}: every file matches manifest.json")
