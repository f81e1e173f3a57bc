"""The PDF audit report, read back with poppler (pdftotext, pdfinfo, pdfdetach, pdftoppm).

Renders go through the real pipeline (run_report) on the bundled sample account (or, without it, real
exports from tests/fixtures/real). Each render is shared by the tests of its module-scoped fixture.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import subprocess
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import CLOUDMAPPER, REPO, SAMPLES, copy_exports

from compliance_kit.delta import diff
from compliance_kit.model import ResourceResult, Status
from compliance_kit.pipeline import ReportOptions, build_assessment, run_report

CLOCK_TIME = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)
SECTIONS = ("1 Executive summary", "2 Scope and method", "3 Control matrix", "4 Findings",
            "5 Exceptions, attestations and items not assessed", "6 Appendix")
CHART_WORDS = {
    "SATISFIED": "✔ SATISFIED", "NOT_SATISFIED": "✖ NOT SATISFIED", "NOT_ASSESSED": "? NOT ASSESSED",
    "MANUAL": "✎ MANUAL", "WAIVED": "⚑ WAIVED", "ATTESTED": "✓ ATTESTED", "NOT_APPLICABLE": "∅ NOT APPLICABLE",
}
TINY_CATALOG = """\
framework:
  id: tiny-test
  name: Tiny test framework
  version: "1"
  publisher: compliance-kit tests
  id_pattern: '^T\\.[0-9]+$'
controls:
  - id: T.1
    title: People who sign in to the console use MFA
    checks:
      - check: user_console_without_mfa
        why: test mapping
  - id: T.2
    title: A written access policy exists
    manual: The written access policy, approved in the period.
"""


def clock() -> datetime:
    return CLOCK_TIME


def text(pdf: Path, *pages: int) -> str:
    args = ["pdftotext", "-layout"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    return subprocess.run([*args, str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", "-isodates", str(pdf)], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def attachments(pdf: Path) -> list[str]:
    out = subprocess.run(["pdfdetach", "-list", str(pdf)], check=True, capture_output=True, text=True).stdout
    return [line.split(": ", 1)[1] for line in out.splitlines()[1:] if ": " in line]


def inflated(pdf: Path) -> bytes:
    """Every stream of the PDF, decompressed where it is Flate-compressed (object streams included)."""
    data = pdf.read_bytes()
    parts = []
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        chunk = data[match.end():end]
        try:
            parts.append(zlib.decompressobj().decompress(chunk))
        except zlib.error:
            parts.append(chunk)
    return b"\n".join(parts)


def sample_inputs(tmp: Path) -> tuple[Path, Path, Path]:
    """samples/exports with its exceptions and attestations: the report a user sees first."""
    samples = REPO / "samples"
    return SAMPLES, samples / "exceptions.yaml", samples / "attestations.yaml"


# ---------------------------------------------------------------------------------------------- soc2 render


@pytest.fixture(scope="module")
def soc2(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("soc2")
    evidence, exceptions, attestations = sample_inputs(tmp)
    out = tmp / "out"
    options = ReportOptions(formats=("json", "pdf"), frameworks=("soc2",), out=out,
                            org_name="Northwind Health Analytics", exceptions=exceptions, attestations=attestations)
    written = run_report(evidence, options, clock=clock)
    pdf = out / "soc2-report.pdf"
    assert pdf in written
    return {"pdf": pdf, "text": text(pdf), "results": json.loads((out / "results.json").read_bytes()),
            "results_bytes": (out / "results.json").read_bytes(), "tmp": tmp}


def test_one_pdf_per_framework_named_after_it(soc2: dict) -> None:
    assert soc2["pdf"].name == "soc2-report.pdf"
    assert soc2["pdf"].read_bytes().startswith(b"%PDF-")
    assert not list(soc2["pdf"].parent.glob(".*tmp")), "temporary files left behind"


def test_sections_appear_in_order(soc2: dict) -> None:
    body = soc2["text"]
    positions = [body.find(title) for title in SECTIONS]
    assert all(p >= 0 for p in positions), dict(zip(SECTIONS, positions, strict=True))
    assert positions == sorted(positions)
    for heading in ("2.1 What was examined", "2.2 What the tool cannot see", "2.3 How verdicts are decided",
                    "5.1 Exceptions register", "5.2 Attestations", "5.3 Not assessed", "A Evidence inventory",
                    "B Check catalogue", "Top risks"):
        assert heading in body


def test_cover_names_org_account_framework_dates_and_digest(soc2: dict) -> None:
    results = soc2["results"]
    cover = text(soc2["pdf"], 1)
    assert "CONFIDENTIAL" in cover
    assert "Northwind Health Analytics" in cover
    for account in results["accounts"]:
        assert account["account_id"] in cover
        assert account["collected_at_source"] in cover
    assert "AICPA Trust Services Criteria (SOC 2)" in cover
    assert results["evidence_digest"] in cover
    assert "2 November 2026, 09:00 UTC" in cover  # generated_at from the injected clock
    assert f"compliance-kit {results['tool_version']}" in cover


def test_every_control_id_is_in_the_matrix(soc2: dict) -> None:
    framework = next(f for f in soc2["results"]["frameworks"] if f["id"] == "soc2")
    matrix = soc2["text"][soc2["text"].find("3 Control matrix"):soc2["text"].find("4 Findings")]
    missing = [c["id"] for c in framework["controls"] if c["id"] not in matrix]
    assert not missing
    assert "CC6.1" in matrix


def test_printed_verdict_counts_match_results(soc2: dict) -> None:
    counts = next(f for f in soc2["results"]["frameworks"] if f["id"] == "soc2")["counts"]
    summary = soc2["text"][soc2["text"].find("1 Executive summary"):soc2["text"].find("Top risks")]
    for status, words in CHART_WORDS.items():
        found = re.search(re.escape(words) + r"\s+(\d+)\s*$", summary, re.MULTILINE)
        assert found, f"no chart bar for {words}"
        assert int(found.group(1)) == counts[status], status
    total = sum(counts.values())
    assert f"against the {total} controls" in " ".join(summary.split())


def test_page_numbers_read_page_n_of_total(soc2: dict) -> None:
    pages = int(info(soc2["pdf"])["Pages"])
    assert pages > 5
    assert f"page 1 of {pages}" in text(soc2["pdf"], 1)
    assert f"page {pages} of {pages}" in text(soc2["pdf"], pages)


def test_metadata_title_author_subject_dates(soc2: dict) -> None:
    meta = info(soc2["pdf"])
    assert meta["Title"].startswith("AICPA Trust Services Criteria (SOC 2)")
    assert meta["Author"] == "compliance-kit"
    assert "Northwind Health Analytics" in meta["Subject"]
    assert meta["CreationDate"].startswith("2026-11-02T09:00:00")
    assert meta["ModDate"].startswith("2026-11-02T09:00:00")


def test_outline_follows_the_headings(soc2: dict) -> None:
    blob = inflated(soc2["pdf"])
    assert b"/Outlines" in blob
    for title in ("Cover", *SECTIONS[:4], "Top risks"):
        assert f"/Title ({title})".encode() in blob, title


def test_fonts_are_the_bundled_ones_and_embedded(soc2: dict) -> None:
    out = subprocess.run(["pdffonts", str(soc2["pdf"])], check=True, capture_output=True, text=True).stdout
    fonts = [line.split()[0].split("+", 1)[-1] for line in out.splitlines()[2:]]
    assert fonts and all(name.startswith(("CK-Sans", "CK-Mono")) for name in fonts), fonts
    assert all(" yes " in line for line in out.splitlines()[2:])  # embedded


def test_results_json_is_attached_byte_for_byte(soc2: dict, tmp_path: Path) -> None:
    names = attachments(soc2["pdf"])
    assert "results.json" in names
    assert set(names) <= {"results.json"} | {f"manifest-{a['account_id']}.json" for a in soc2["results"]["accounts"]}
    subprocess.run(["pdfdetach", "-saveall", "-o", str(tmp_path), str(soc2["pdf"])], check=True)
    assert (tmp_path / "results.json").read_bytes() == soc2["results_bytes"]
    # the embedded-file parameters describe the real file, not the placeholder handed to WeasyPrint
    raw = soc2["pdf"].read_bytes()
    md5 = hashlib.md5(soc2["results_bytes"], usedforsecurity=False).hexdigest()
    assert f"/CheckSum <{md5}>".encode() in raw
    assert f"/Size {len(soc2['results_bytes'])}".encode() in raw
    assert b"compliance-kit attachment" not in raw


def test_an_attachment_that_cannot_be_embedded_fails_the_render() -> None:
    """If WeasyPrint stopped writing the placeholders we swap, the report must fail, not ship a placeholder."""
    from compliance_kit.render.pdf import _embed_deflated, deflate

    finish = _embed_deflated(deflate([("results.json", b"{}", "results")]))
    with pytest.raises(RuntimeError, match="results.json"):
        finish(None, type("Pdf", (), {"objects": []})())


def test_findings_give_severity_resources_remediation_and_references(soc2: dict) -> None:
    results = soc2["results"]
    body = soc2["text"]
    findings = body[body.find("4 Findings"):body.find("5 Exceptions, attestations")]
    failing = [c for c in results["checks"] if c["status"] == "FAIL"]
    assert failing
    flat = " ".join(findings.split())
    for check in failing:
        if any(check["id"] in c["checks"] for f in results["frameworks"] for c in f["controls"]):
            assert check["id"] in flat
    for word in ("Why it matters", "Affected resources", "Remediation", "In the AWS console", "With the AWS CLI",
                 "References"):
        assert word in findings


def test_exceptions_attestations_and_not_assessed_sections(soc2: dict) -> None:
    results = soc2["results"]
    body = soc2["text"]
    section = " ".join(body[body.find("5 Exceptions, attestations"):body.find("6 Appendix")].split())
    waived = [(c["id"], r) for c in results["checks"] for r in c["resources"] if r["status"] == "WAIVED"]
    for _, resource in waived:
        assert resource["exception"]["id"] in section
    for framework in results["frameworks"]:
        for control in framework["controls"]:
            if control["status"] == "ATTESTED":
                assert control["id"] in section
    errors = {r["reason"] for c in results["checks"] for r in c["resources"] if r["status"] == "ERROR"}
    if errors:
        assert "Controls without a verdict" in section or "Cause" in section
    else:
        assert "Every automated check could be assessed" in section


def test_first_pages_render_as_images(soc2: dict, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "2", str(soc2["pdf"]), str(tmp_path / "p")],
                   check=True, capture_output=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == 2
    assert all(p.stat().st_size > 1000 for p in images)


def test_evidence_inventory_lists_every_artifact_hash(soc2: dict) -> None:
    raw = subprocess.run(["pdftotext", str(soc2["pdf"]), "-"], check=True, capture_output=True, text=True).stdout
    flat = re.sub(r"\s+", "", raw[raw.find("A Evidence inventory"):])  # raw mode keeps a cell's lines together
    for account in soc2["results"]["accounts"]:
        for artifact in account["artifacts"]:
            if artifact.get("sha256"):
                assert artifact["sha256"] in flat, artifact["file"]


# ------------------------------------------------------- combined, previous, PDF/A-3b, reproducibility


@pytest.fixture(scope="module")
def combined(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("combined")
    evidence = copy_exports(tmp / "exports", CLOUDMAPPER)
    catalogs = tmp / "catalogs"
    catalogs.mkdir()
    (catalogs / "tiny.yaml").write_text(TINY_CATALOG)
    base = ReportOptions(formats=("json",), frameworks=("cmmc-l1", "tiny-test"), out=tmp / "before",
                         org_name="Example Corp", catalog_dir=catalogs)
    run_report(evidence, base, clock=clock)
    previous = json.loads((tmp / "before" / "results.json").read_bytes())
    # The previous period: one control had another verdict, one failing user did not exist yet.
    control = previous["frameworks"][0]["controls"][0]
    control["status"] = "SATISFIED"
    check = next(c for c in previous["checks"] if c["id"] == "user_console_without_mfa")
    check["resources"] = [r for r in check["resources"] if r["status"] != "FAIL"]
    previous["generated_at"] = "2026-10-01T09:00:00Z"
    previous_file = tmp / "previous.json"
    previous_file.write_text(json.dumps(previous))
    options = dataclasses.replace(base, formats=("pdf",), previous=previous_file, combined=True,
                                  pdf_variant="pdf/a-3b")
    first = run_report(evidence, dataclasses.replace(options, out=tmp / "one"), clock=clock)
    second = run_report(evidence, dataclasses.replace(options, out=tmp / "two"), clock=clock)
    return {"first": first, "second": second, "changed_control": control["id"], "tmp": tmp}


def test_combined_is_one_pdf_with_every_framework(combined: dict) -> None:
    assert [p.name for p in combined["first"]] == ["compliance-report.pdf"]
    body = text(combined["first"][0])
    assert "CMMC 2.0 Level 1" in body and "Tiny test framework" in body
    matrix = body[body.find("3 Control matrix"):body.find("4 Findings")]
    assert "AC.L1-b.1.i" in matrix and "T.1" in matrix and "T.2" in matrix


def test_same_assessment_gives_byte_identical_pdf(combined: dict) -> None:
    assert combined["first"][0].read_bytes() == combined["second"][0].read_bytes()


def test_pdf_a_3b_variant_keeps_attachments(combined: dict) -> None:
    pdf = combined["first"][0]
    meta = subprocess.run(["pdfinfo", "-meta", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert 'pdfaid:part="3"' in meta or "<pdfaid:part>3</pdfaid:part>" in meta
    assert 'pdfaid:conformance="B"' in meta or "<pdfaid:conformance>B</pdfaid:conformance>" in meta
    assert "results.json" in attachments(pdf)
    assert b"/AFRelationship /Data" in inflated(pdf) or b"/AFRelationship/Data" in inflated(pdf)


def test_what_changed_since_previous_assessment(combined: dict) -> None:
    body = " ".join(text(combined["first"][0]).split())
    assert "What changed since the previous assessment" in body
    assert "1 October 2026, 09:00 UTC" in body
    assert "1 control verdict changed" in body
    assert combined["changed_control"] in body
    assert "New failing resources" in body
    assert "arn:aws:iam::123456789012:user/user" in body


# ---------------------------------------------------------------------------------------- layout limits


def _with_many_failures(assessment, check_id: str, count: int, long: bool = False):
    resources = []
    for i in range(count):
        name = f"user-{i:05d}"
        if long:
            name = ("svc-" + "très-long-nom-d’utilisateur-ñandú-Ω≈ç√-" * 3 + f"{i}") if i % 2 else "x" * 120 + str(i)
        resources.append(ResourceResult("user", f"arn:aws:iam::123456789012:user/{name}", Status.FAIL,
                                        "console password without MFA; " + "a" * (80 if long else 1),
                                        None, "123456789012"))
    checks = tuple(dataclasses.replace(c, resources=tuple(resources)) if c.check_id == check_id else c
                   for c in assessment.checks)
    return dataclasses.replace(assessment, checks=checks)


@pytest.fixture(scope="module")
def cloudmapper_assessment(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("cm")
    evidence = copy_exports(tmp / "exports", CLOUDMAPPER)
    assessment, _ = build_assessment(evidence, ReportOptions(frameworks=("cmmc-l1",)), clock)
    return assessment


def test_findings_list_at_most_5_resources_then_point_to_the_workbook(cloudmapper_assessment) -> None:
    from compliance_kit.render.pdf import render_html
    from compliance_kit.render.pdf_model import MAX_RESOURCES_PER_FINDING, build_report

    assessment = _with_many_failures(cloudmapper_assessment, "user_appears_shared", 60)
    report = build_report(assessment, ["cmmc-l1"], org_name=None, delta=None, attachments=())
    finding = next(f for f in report.findings if f.check_id == "user_appears_shared")
    assert len(finding.resources) == MAX_RESOURCES_PER_FINDING == 5
    assert finding.more == 55
    html = render_html(report)
    assert "and 55 more — see the workbook, sheet Findings." in html
    assert "Each lists at most\n5 resources" in html
    assert "user-00004" in html and "user-00005" not in html
    assert "the organization" in html  # no org name given


def test_changes_list_at_most_15_rows_then_point_to_the_workbook(cloudmapper_assessment) -> None:
    from compliance_kit.delta import Delta, ResourceChange
    from compliance_kit.render.pdf import render_html
    from compliance_kit.render.pdf_model import MAX_DELTA_ROWS, build_report

    new = tuple(ResourceChange("user_appears_shared", "123456789012", "user",
                               f"arn:aws:iam::123456789012:user/user-{i:05d}", None, "FAIL") for i in range(40))
    delta = Delta("2026-10-01T09:00:00Z", "2026-11-01T09:00:00Z", new_failures=new)
    html = render_html(build_report(cloudmapper_assessment, ["cmmc-l1"], org_name=None, delta=delta, attachments=()))
    assert MAX_DELTA_ROWS == 15
    assert "user-00014" in html and "user-00015" not in html
    assert "and 25 more — see the workbook." in html


def test_long_names_and_unusual_unicode_wrap_inside_the_page(cloudmapper_assessment, tmp_path: Path) -> None:
    from compliance_kit.render.pdf import write_pdfs

    assessment = _with_many_failures(cloudmapper_assessment, "user_appears_shared", 6, long=True)
    (pdf,) = write_pdfs(assessment, tmp_path, org_name="Ωmega ñandú GmbH & Co. KG", previous=None, combined=False,
                        pdf_variant=None)
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    page_width = float(re.search(r'<page width="([\d.]+)"', out).group(1))
    right_edge = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', out))
    assert right_edge <= page_width - 50, f"text reaches x={right_edge} of {page_width}: something overflows"
    raw = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    flat = re.sub(r"\s+", "", raw)
    assert "x" * 120 + "0" in flat  # the unbreakable name is all there, wrapped
    for fragment in ("d’utilisateur", "ñandú", "Ω≈ç√"):  # (pdftotext drops the "-" at a line end)
        assert fragment in flat


# ----------------------------------------------------------------------------------------------- delta


def _results(controls: dict[str, str], resources: dict[tuple[str, str], str], when: str = "2026-11-02T09:00:00Z"):
    by_check: dict[str, list] = {}
    for (check, rid), status in resources.items():
        rtype = rid.split(":")[-1].split("/")[0]
        by_check.setdefault(check, []).append({"account_id": "1", "type": rtype, "id": rid, "status": status})
    return {
        "schema": "compliance-kit/results/1", "generated_at": when, "evidence_digest": "ab" * 32,
        "frameworks": [{"id": "soc2", "controls": [{"id": k, "title": f"title {k}", "status": v}
                                                   for k, v in controls.items()]}],
        "checks": [{"id": k, "resources": v} for k, v in by_check.items()],
    }


def test_diff_reports_verdict_changes_failures_and_principals() -> None:
    before = _results({"CC6.1": "NOT_SATISFIED", "CC6.2": "SATISFIED", "CC9.9": "MANUAL"},
                      {("mfa", "arn:x:user/a"): "FAIL", ("mfa", "arn:x:user/b"): "FAIL",
                       ("mfa", "arn:x:user/old"): "PASS", ("keys", "arn:x:user/a"): "PASS"},
                      when="2026-10-01T00:00:00Z")
    after = _results({"CC6.1": "SATISFIED", "CC6.2": "NOT_SATISFIED", "CC1.1": "MANUAL"},
                     {("mfa", "arn:x:user/a"): "PASS", ("mfa", "arn:x:user/b"): "FAIL",
                      ("keys", "arn:x:user/a"): "FAIL", ("mfa", "arn:x:role/new"): "FAIL"})
    delta = diff(after, before)
    assert delta.previous_generated_at == "2026-10-01T00:00:00Z"
    changes = {(c.control_id, c.before, c.after) for c in delta.control_changes}
    assert changes == {("CC6.1", "NOT_SATISFIED", "SATISFIED"), ("CC6.2", "SATISFIED", "NOT_SATISFIED"),
                       ("CC1.1", None, "MANUAL"), ("CC9.9", "MANUAL", None)}
    assert {(c.check_id, c.resource_id, c.before) for c in delta.new_failures} == {
        ("keys", "arn:x:user/a", "PASS"), ("mfa", "arn:x:role/new", None)}
    assert [(c.check_id, c.resource_id, c.after) for c in delta.resolved] == [("mfa", "arn:x:user/a", "PASS")]
    assert [c.resource_id for c in delta.still_failing] == ["arn:x:user/b"]
    assert [p.resource_id for p in delta.new_principals] == ["arn:x:role/new"]
    assert [p.resource_id for p in delta.removed_principals] == ["arn:x:user/old"]
    assert not delta.unchanged
    limited = delta.restricted(["soc2"], ["keys"])
    assert [c.check_id for c in limited.new_failures] == ["keys"] and not limited.resolved


def test_diff_of_identical_results_is_empty_and_tolerates_odd_input() -> None:
    same = _results({"CC6.1": "SATISFIED"}, {("mfa", "arn:x:user/a"): "PASS"})
    assert diff(same, json.loads(json.dumps(same))).unchanged
    odd = {"frameworks": "nope", "checks": [None, {"id": "mfa", "resources": [1, {"id": "x", "status": "FAIL"}]}]}
    delta = diff(same, odd)
    assert delta.previous_generated_at is None
    assert [c.resource_id for c in delta.resolved] == ["x"]
    assert delta.frameworks_added == ("soc2",)


# ------------------------------------------------------------------------------- parallel rendering


def test_several_frameworks_render_in_worker_processes_with_the_same_bytes(tmp_path: Path) -> None:
    from compliance_kit.render.pdf import start_pdfs

    evidence = copy_exports(tmp_path / "exports", CLOUDMAPPER)
    assessment, evidences = build_assessment(evidence, ReportOptions(frameworks=("cmmc-l1", "hipaa")), clock)
    outputs = {}
    for workers in (1, 2):
        out = tmp_path / f"workers-{workers}"
        with start_pdfs(assessment, out, org_name="Example Corp", previous=None, combined=False,
                        pdf_variant=None, evidences=evidences, workers=workers) as pending:
            if workers == 2:
                assert pending.pool is not None  # really in other processes
            paths = pending.wait()
        assert [p.name for p in paths] == ["cmmc-l1-report.pdf", "hipaa-report.pdf"]
        outputs[workers] = [p.read_bytes() for p in paths]
    assert outputs[1] == outputs[2]
    assert "HIPAA" in text(tmp_path / "workers-2" / "hipaa-report.pdf", 1)


def test_a_failing_worker_is_reported_not_swallowed(tmp_path: Path) -> None:
    from compliance_kit.render.pdf import start_pdfs

    evidence = copy_exports(tmp_path / "exports", CLOUDMAPPER)
    assessment, _ = build_assessment(evidence, ReportOptions(frameworks=("cmmc-l1", "hipaa")), clock)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be")
    with pytest.raises(OSError), start_pdfs(assessment, blocker, org_name=None, previous=None, combined=False,
                                            pdf_variant=None, workers=2) as pending:
        pending.wait()
    assert blocker.read_text() == "a file where the output folder should be"
