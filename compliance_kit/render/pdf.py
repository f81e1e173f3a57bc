"""The PDF audit report: Jinja2 templates under reports/ rendered with WeasyPrint.

Safety: templates autoescape everything; CSS is passed as a WeasyPrint stylesheet (never a <style>
block); the URL fetcher serves bundled assets only (render/fetcher.py), so nothing named in the evidence
is fetched or embedded. Reproducibility: the document date, the attachments' dates and the PDF metadata
all come from assessment.generated_at, so the same assessment gives byte-identical PDFs.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import tempfile
import zlib
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from ..assess import Assessment, available_cpus
from ..errors import InputError
from ..evidence.manifest import dumps
from ..paths import reports_dir
from ..results import Results
from .fetcher import make_fetcher, root_url
from .pdf_model import MAX_DELTA_ROWS, MAX_RESOURCES_PER_FINDING, build_report
from .report_view import LABELS, SEVERITY_WORDS, SUMMARY_ORDER, Report, label

PDF_VARIANTS = ("pdf/a-3b",)
COMBINED_NAME = "compliance-report.pdf"
CHART_COLOURS = {
    "ok": "#2f6f4e", "bad": "#a8322d", "warn": "#9a5b13", "waived": "#5b4a8b",
    "attested": "#1f6b75", "manual": "#4a5568", "na": "#8a94a3",
}


_SOFT_BREAK = re.compile(r"(::?|[_/])")


def soft(value: object) -> Markup:
    """Escape VALUE, then allow line breaks after _ / : (ARNs, check ids, JSON pointers wrap at their joints).

    A zero-width space keeps the text in one box, so Pango prefers these joints and `overflow-wrap:
    break-word` only splits a name that is longer than its column (WeasyPrint lays out a <wbr> as a box
    boundary and would split the last segment mid-word instead). WeasyPrint draws no glyph for it: text
    copied or extracted from the PDF (an ARN, a check id) has no invisible characters.
    """
    return Markup(_SOFT_BREAK.sub("\\1\u200b", str(escape(value))))


def digest(value: object) -> Markup:
    """A SHA-256 as two lines of 32 hex digits at most (a zero-width space between the halves), rather
    than broken after any character: it reads better and lays out far faster than `word-break: break-all`."""
    text = str(value)
    if len(text) == 64:
        return Markup(f"{escape(text[:32])}\u200b{escape(text[32:])}")
    return soft(text)


def report_name(framework_id: str) -> str:
    return f"{framework_id}-report.pdf"


def parse_time(value: str) -> datetime:
    """generated_at ('2026-10-26T09:33:20Z') as an aware UTC datetime; the epoch if unparsable."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return datetime(1970, 1, 1, tzinfo=UTC)
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _when(value: str | None) -> str:
    if not value:
        return "unknown"
    moment = parse_time(value)
    if moment.year == 1970 and not value.startswith("1970"):
        return value
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def _day(value: str | None) -> str:
    if not value:
        return "unknown"
    moment = parse_time(value)
    return f"{moment.day} {moment:%B %Y}"


@cache
def _environment(root: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(root) / "templates")),
        autoescape=True,  # every template, whatever its name (.html, .svg.j2)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["label"] = label
    env.filters["soft"] = soft
    env.filters["digest"] = digest
    env.filters["when"] = _when
    env.filters["day"] = _day
    env.filters["severity"] = lambda s: SEVERITY_WORDS.get(str(s), str(s).upper())
    env.filters["thousands"] = lambda n: f"{int(n):,}"
    env.globals["labels"] = LABELS
    return env


def chart_svg(env: jinja2.Environment, counts: Sequence[Any]) -> Markup:
    """Horizontal bar chart of control verdicts: one labelled bar per verdict (word, symbol and number)."""
    row, top, label_w, bar_w = 19, 6, 150, 300
    peak = max((c.count for c in counts), default=0) or 1
    bars = []
    for index, item in enumerate(counts):
        width = round(bar_w * item.count / peak, 1) if item.count else 0
        bars.append({"y": top + index * row, "width": width, "label": item.label, "count": item.count,
                     "colour": CHART_COLOURS.get(item.label.css, "#8a94a3")})
    height = top * 2 + row * len(counts)
    svg = env.get_template("chart.svg.j2").render(
        bars=bars, height=height, width=label_w + bar_w + 40, label_w=label_w, bar_h=row - 7,
        total=sum(c.count for c in counts))
    return Markup(svg)  # autoescaped template output: the only Markup the report inserts


def render_html(report: Report) -> str:
    env = _environment(str(reports_dir()))
    charts = {f.framework_id: chart_svg(env, f.counts) for f in report.frameworks}
    return env.get_template("report.html").render(r=report, charts=charts, summary_order=SUMMARY_ORDER,
                                                  max_resources=MAX_RESOURCES_PER_FINDING, max_delta_rows=MAX_DELTA_ROWS)


def _manifest_bytes(assessment: Assessment, evidences: Sequence[Any] | None) -> list[tuple[str, bytes]]:
    """Each account's manifest.json, only when its bytes hash to the evidence digest the report prints."""
    out = []
    by_account = {getattr(e, "account_id", None): e for e in evidences or ()}
    for account in assessment.accounts:
        data: bytes | None = None
        evidence = by_account.get(account.account_id)
        if evidence is not None and isinstance(getattr(evidence, "manifest", None), dict):
            data = dumps(evidence.manifest)
        if data is None or hashlib.sha256(data).hexdigest() != account.evidence_digest:
            candidate = Path(account.directory) / "manifest.json"
            try:
                data = candidate.read_bytes() if candidate.is_file() else None
            except OSError:
                data = None
        if data is not None and hashlib.sha256(data).hexdigest() == account.evidence_digest:
            out.append((f"manifest-{account.account_id}.json", data))
    return out


def _attachments(assessment: Assessment, results_json: bytes,
                 evidences: Sequence[Any] | None) -> list[tuple[str, bytes, str]]:
    """results.json (the very bytes results.write_results writes) and the verified manifests."""
    files = [("results.json", results_json,
              "The assessment as results.json (schema compliance-kit/results/1)")]
    for name, data in _manifest_bytes(assessment, evidences):
        files.append((name, data, "Evidence manifest: files, API calls, outcomes and SHA-256 of each artifact"))
    return files


@dataclass(frozen=True)
class Deflated:
    """An attachment compressed once for every PDF that embeds it.

    A 10,000-user results.json is about 90 MB; pydyf deflates each embedded file at level 9 for every
    document (twice for PDF/A), which cost more CPU than laying out the findings. Here it is deflated
    once, at zlib's default level: 0.7 s instead of 1.7 s for 90 MB, for a stream 10% larger (2.9 MB
    rather than 2.6 MB), on the report's critical path. Small enough to hand to each worker process.
    """

    name: str
    description: str
    size: int
    md5: str
    data: bytes

    def placeholder(self) -> bytes:
        return f"compliance-kit attachment {self.name} {self.md5}".encode()


def deflate(files: Sequence[tuple[str, bytes, str]]) -> list[Deflated]:
    return [Deflated(name, description, len(data), hashlib.md5(data, usedforsecurity=False).hexdigest(),
                     zlib.compress(data))
            for name, data, description in files]


def _embed_deflated(attachments: Sequence[Deflated]) -> Any:
    """A WeasyPrint finisher: the embedded-file streams written for the placeholders get the deflated
    bytes, size and MD5 of the real files. Fails rather than ship a placeholder."""
    import pydyf

    by_checksum = {f"<{hashlib.md5(a.placeholder(), usedforsecurity=False).hexdigest()}>": a for a in attachments}

    def finish(document: Any, pdf: Any) -> None:
        done = set()
        for obj in pdf.objects:
            extra = getattr(obj, "extra", None)
            if not isinstance(obj, pydyf.Stream) or not extra or extra.get("Type") != "/EmbeddedFile":
                continue
            attachment = by_checksum.get(extra["Params"]["CheckSum"])
            if attachment is None:
                continue
            obj.stream, obj.compress = [attachment.data], False
            extra["Filter"] = "/FlateDecode"
            extra["Params"]["CheckSum"] = f"<{attachment.md5}>"
            extra["Params"]["Size"] = attachment.size
            done.add(attachment.name)
        if len(done) != len(attachments):
            raise RuntimeError(f"attachments not embedded: {sorted({a.name for a in attachments} - done)}")

    return finish


def render_pdf(report: Report, attachments: Sequence[Deflated], *, created: datetime,
               pdf_variant: str | None, fetcher: Any = None) -> bytes:
    """The report as PDF bytes. FETCHER defaults to the bundled-assets-only fetcher."""
    from weasyprint import CSS, HTML, Attachment
    from weasyprint.text.fonts import FontConfiguration

    root = reports_dir()
    base = root_url(root.resolve())
    fetcher = fetcher or make_fetcher(root)
    fonts = FontConfiguration()
    css = CSS(url=base + "css/report.css", url_fetcher=fetcher, font_config=fonts)
    html = HTML(string=render_html(report), base_url=base, url_fetcher=fetcher)
    document = html.render(stylesheets=[css], font_config=fonts)
    embedded = [Attachment(string=a.placeholder(), name=a.name, description=a.description, created=created,
                           modified=created, relationship="Data", url_fetcher=fetcher)
                for a in attachments]
    options: dict[str, Any] = {"attachments": embedded}
    if pdf_variant:
        options["pdf_variant"] = pdf_variant
    pdf: bytes = document.write_pdf(finisher=_embed_deflated(attachments), **options)
    return pdf


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_pdfs(assessment: Assessment, out_dir: Path, *, org_name: str | None, previous: dict | None,
               combined: bool, pdf_variant: str | None, evidences: Sequence[Any] | None = None,
               results: Results | None = None) -> list[Path]:
    """One PDF per framework (<framework-id>-report.pdf), or one compliance-report.pdf when COMBINED.

    PREVIOUS is an earlier results.json (dict) for the "what changed" section. EVIDENCES (optional)
    lets the manifests be attached even when the evidence was imported in memory. RESULTS, when the
    caller already has them, saves building results.json a second time.
    """
    with start_pdfs(assessment, out_dir, org_name=org_name, previous=previous, combined=combined,
                    pdf_variant=pdf_variant, evidences=evidences, results=results) as pending:
        return pending.wait()


def start_pdfs(assessment: Assessment, out_dir: Path, *, org_name: str | None, previous: dict | None,
               combined: bool, pdf_variant: str | None, evidences: Sequence[Any] | None = None,
               results: Results | None = None, workers: int | None = None,
               background: bool = False, pool: ProcessPoolExecutor | None = None) -> PendingPdfs:
    """Begin writing the PDFs of write_pdfs; several documents render in parallel worker processes.

    Layout is the cost (a 10,000-user account: ~10 s per framework) and documents are independent, so
    the caller can go on (the workbook) while they render; `wait()` on the result returns the paths.
    With BACKGROUND (the caller has work of its own), even a single document renders in a worker.
    POOL (from pdf_workers, started early so its workers are ready) is used and then shut down.
    """
    if pdf_variant is not None and pdf_variant not in PDF_VARIANTS:
        raise InputError(f"unsupported PDF variant {pdf_variant!r} (supported: {', '.join(PDF_VARIANTS)})",
                         file="--pdf-variant")
    if not assessment.frameworks:
        return PendingPdfs([], [], pool)
    results = results or Results.of(assessment)
    delta = None
    if previous is not None:
        from ..delta import diff

        delta = diff(results.data, previous)
    created = parse_time(assessment.generated_at)
    files = _attachments(assessment, results.encoded, evidences)
    listed = tuple((name, hashlib.sha256(data).hexdigest(), len(data)) for name, data, _ in files)
    groups = ([(COMBINED_NAME, [f.framework_id for f in assessment.frameworks])] if combined
              else [(report_name(f.framework_id), [f.framework_id]) for f in assessment.frameworks])
    paths = [out_dir / name for name, _ in groups]

    samples: dict[str, Any] = {}  # a check's sample of resources, the same in every framework's report

    def report(ids: list[str]) -> Report:
        return build_report(assessment, ids, org_name=org_name, delta=delta, attachments=listed, samples=samples)

    cpus = workers if workers is not None else available_cpus()
    count = min(len(groups), cpus)
    if pool is None and (cpus < 2 or (count < 2 and not background)):
        deflated = deflate(files)  # once for every document: a few MB where results.json may be a hundred
        del files
        for path, (_, ids) in zip(paths, groups, strict=True):
            _write_atomically(path, render_pdf(report(ids), deflated, created=created, pdf_variant=pdf_variant))
        return PendingPdfs(paths, [], None)
    pool = pool or pdf_workers(count)
    pending = PendingPdfs(paths, [], pool)
    try:
        with ThreadPoolExecutor(1) as thread:  # zlib and md5 release the GIL: deflate while the reports are built
            deflating = thread.submit(deflate, files)
            reports = [(path, report(ids)) for path, (_, ids) in zip(paths, groups, strict=True)]
            deflated = deflating.result()
        del files
        # longest first, so that no long document starts last while the other workers wait
        for path, built in sorted(reports, key=lambda item: -layout_weight(item[1])):
            pending.futures.append(pool.submit(_worker_render, built, path, deflated, created, pdf_variant))
    except BaseException:
        pending.__exit__()
        raise
    return pending


def layout_weight(report: Report) -> int:
    """A rough measure of a report's layout work: table rows and findings, which dominate it."""
    controls = sum(len(group.rows) for fw in report.frameworks for group in fw.groups)
    return sum(len(f.resources) + 8 for f in report.findings) + len(report.catalogue) + 2 * controls


@dataclass
class PendingPdfs:
    """PDFs being written; `wait()` returns their paths once all are on disk (or raises the first error)."""

    paths: list[Path]
    futures: list[Future[None]]
    pool: ProcessPoolExecutor | None

    def wait(self) -> list[Path]:
        for future in self.futures:
            future.result()
        return self.paths

    def __enter__(self) -> PendingPdfs:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:  # on an error elsewhere, documents not yet started are not rendered
            self.pool.shutdown(wait=True, cancel_futures=True)


def pdf_workers(count: int) -> ProcessPoolExecutor:
    """COUNT fresh worker processes (spawned: no copy of this process's memory), warming up at once.

    Started before the assessment, their imports (WeasyPrint, fonts) overlap with it.
    """
    pool = ProcessPoolExecutor(max_workers=max(1, count), mp_context=multiprocessing.get_context("spawn"))
    for _ in range(max(1, count)):
        pool.submit(_warm_up)
    return pool


def _warm_up() -> None:
    import weasyprint  # noqa: F401


def _worker_render(report: Report, path: Path, attachments: list[Deflated], created: datetime,
                   pdf_variant: str | None) -> None:
    _write_atomically(path, render_pdf(report, attachments, created=created, pdf_variant=pdf_variant))
