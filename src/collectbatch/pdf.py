"""HTML → PDF with WeasyPrint, in clean parallel worker processes, reading the letters folder only.

WeasyPrint gets a URL fetcher that serves files under the letters folder and nothing else (no
other files, no network). PDF metadata dates come from the templates (the batch date) and font
subsets are stamped with SOURCE_DATE_EPOCH, so the same HTML gives the same bytes.
"""

from __future__ import annotations

import gc
import mimetypes
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

POOL_MIN_DOCS = 8  # fewer PDFs render in-process: starting workers costs more than they save


def render_pdfs(
    jobs: dict[str, str], letters_dir: Path, as_of: date, workers: int | None = None
) -> dict[str, bytes]:
    """HTML strings → PDF bytes, in parallel processes when there are enough to be worth it."""
    items = sorted(jobs.items())
    if not items:
        return {}
    count = workers if workers is not None else min(os.cpu_count() or 1, 4)
    args = [(path, html, str(letters_dir.resolve()), as_of.isoformat()) for path, html in items]
    if count <= 1 or len(items) < POOL_MIN_DOCS:
        return dict(map(_pdf_worker, args))
    done: dict[str, bytes] = {}
    for _attempt in range(3):
        todo = [a for a in args if a[0] not in done]
        if not todo:
            break
        done.update(_render_in_pool(todo, count))
    # a worker that died twice (a native crash in font subsetting) leaves the rest to this process
    done.update(map(_pdf_worker, (a for a in args if a[0] not in done)))
    return done


def _render_in_pool(args: list[tuple[str, str, str, str]], count: int) -> dict[str, bytes]:
    """Render in clean worker processes; return what finished even if a worker crashed."""
    # Never fork a process that may already hold Pango/GLib state: start clean workers.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    chunk = max(1, len(args) // (count * 4))
    batches = [args[i : i + chunk] for i in range(0, len(args), chunk)]
    done: dict[str, bytes] = {}
    with ProcessPoolExecutor(max_workers=count, initializer=_quiet_worker, mp_context=ctx) as pool:
        futures = [pool.submit(_pdf_batch, b) for b in batches]
        for future in futures:
            try:
                done.update(future.result())
            except BrokenProcessPool:
                continue
    return done


def _pdf_batch(args: list[tuple[str, str, str, str]]) -> list[tuple[str, bytes]]:
    return [_pdf_worker(a) for a in args]


def _quiet_worker() -> None:
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def _pdf_worker(arg: tuple[str, str, str, str]) -> tuple[str, bytes]:
    path, html, letters_dir, as_of = arg
    from weasyprint import HTML

    # fontTools stamps subset fonts with the current time unless SOURCE_DATE_EPOCH is set.
    epoch = datetime.fromisoformat(as_of).replace(tzinfo=UTC).timestamp()
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(epoch))
    # Collect garbage between documents, not in the middle of native font subsetting.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        doc = HTML(
            string=html,
            base_url=Path(letters_dir).as_uri() + "/",
            url_fetcher=make_fetcher(Path(letters_dir)),
        )
        pdf = doc.write_pdf(pdf_identifier=path.encode("utf-8"), uncompressed_pdf=False)
        assert pdf is not None
        del doc
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
        if gc_was_enabled:
            gc.enable()
    gc.collect()
    return path, bytes(pdf)


def make_fetcher(root: Path) -> Callable[[str], Any]:
    """A WeasyPrint URL fetcher that serves files under `root` only: no network, no elsewhere."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    base = root.resolve()

    class LettersOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            from urllib.parse import unquote, urlparse

            parsed = urlparse(url)
            if parsed.scheme != "file":
                raise ValueError(f"refused to fetch {url!r}: only files under the letters folder")
            target = Path(unquote(parsed.path)).resolve()
            if not target.is_relative_to(base) or not target.is_file():
                raise ValueError(f"refused to fetch {url!r}: outside the letters folder")
            mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=target.read_bytes(), headers={"Content-Type": mime})

    return LettersOnlyFetcher()
