"""The PDF renderer fetches nothing but its bundled assets, whatever the evidence says.

Hostile strings (<img>, <link rel=stylesheet>, <link rel=attachment href=file:///etc/passwd>, url(),
file:// and metadata-service URLs) go into user names, tags, policy names and reasons of real exports; a
listener on 127.0.0.1 counts every connection the renderer makes, and the PDF is searched (text,
decompressed streams, attachment list) for the contents of /etc/passwd.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import socketserver
import subprocess
import threading
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import CLOUDMAPPER, copy_exports

from compliance_kit.paths import reports_dir
from compliance_kit.pipeline import ReportOptions, run_report
from compliance_kit.render.fetcher import AssetPolicy, RefusedURL, make_fetcher, root_url

PASSWD = Path("/etc/passwd")


class Listener:
    """A TCP listener on 127.0.0.1 (ephemeral port) that counts connections and answers a tiny HTTP 200."""

    def __init__(self) -> None:
        self.connections = 0
        self.paths: list[str] = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                outer.connections += 1
                line = self.rfile.readline(2048).decode("latin-1", "replace")
                outer.paths.append(line.split(" ")[1] if " " in line else line)
                body = b"body{color:red} @font-face{font-family:x;src:url(/font.ttf)}"
                self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/css\r\nContent-Length: "
                                 + str(len(body)).encode() + b"\r\n\r\n" + body)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


def payloads(listener: Listener) -> list[str]:
    u = listener.url
    return [
        f'<img src="{u("img")}">',
        f'<link rel="stylesheet" href="{u("css")}">',
        '<link rel="attachment" href="file:///etc/passwd">',
        f'<style>@import url({u("import")}); @font-face {{font-family: e; src: url({u("font")})}}</style>',
        f'<div style="background: url({u("style-attr")})">x</div>',
        f'<object data="{u("object")}"></object><embed src="{u("embed")}">',
        f'<svg><image href="{u("svg-image")}"/></svg>',
        '<a rel="attachment" href="file:///etc/passwd">passwd</a>',
        "url(file:///etc/passwd)",
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    ]


def passwd_marker() -> bytes:
    first = PASSWD.read_bytes().split(b"\n", 1)[0] if PASSWD.is_file() else b"root:x:0:0"
    return first[:40] or b"root:x:0:0"


def inflated(pdf: Path) -> bytes:
    data = pdf.read_bytes()
    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompressobj().decompress(data[match.end():end]))
    return b"\n".join(parts)


def attachment_names(pdf: Path) -> list[str]:
    out = subprocess.run(["pdfdetach", "-list", str(pdf)], check=True, capture_output=True, text=True).stdout
    return [line.split(": ", 1)[1] for line in out.splitlines()[1:] if ": " in line]


def assert_nothing_leaked(pdf: Path, listener: Listener) -> str:
    assert listener.connections == 0, f"the renderer connected to {listener.paths}"
    marker = passwd_marker()
    assert marker not in inflated(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True).stdout
    assert marker not in text
    return text.decode("utf-8")


# ------------------------------------------------------------------------------------- the fetcher alone


def test_policy_serves_only_bundled_assets() -> None:
    policy = AssetPolicy()
    base = root_url(reports_dir().resolve())
    assert policy.resolve(base + "fonts/DejaVuSans.ttf").name == "DejaVuSans.ttf"
    assert policy.resolve(base + "css/report.css").name == "report.css"
    refused = [
        "http://127.0.0.1:9/x.css", "https://example.com/x.ttf", "ftp://example.com/x",
        "http://169.254.169.254/latest/meta-data/", "data:text/css,body{}", "file:///etc/passwd",
        "file://localhost/etc/passwd", "FILE:///etc/passwd", base + "../controls/schema/catalog.schema.json",
        base + "fonts/../../pyproject.toml", base + "fonts/%2e%2e/%2e%2e/etc/passwd", base + "fonts/DejaVuSans%2Ettf",
        base + "fonts/DejaVuSans.ttf?x=1", base + "fonts/DejaVuSans.ttf#f", base + "fonts/", base + "fonts",
        base + "templates/report.html", base + "fonts/LICENSE", base + "fonts/missing.ttf", base + ".hidden.css",
        base + "fonts//DejaVuSans.ttf", base + "./css/report.css", "", "x" * 5000, "fonts/DejaVuSans.ttf",
    ]
    for url in refused:
        with pytest.raises(RefusedURL):
            policy.resolve(url)
    assert len(policy.refused) == len(refused)
    with pytest.raises(RefusedURL):
        policy.resolve(None)


def test_policy_refuses_symlinks_that_leave_the_folder(tmp_path: Path) -> None:
    root = tmp_path / "reports"
    (root / "fonts").mkdir(parents=True)
    (root / "fonts" / "real.ttf").write_bytes(b"font")
    (root / "fonts" / "inside.ttf").symlink_to(root / "fonts" / "real.ttf")
    (root / "fonts" / "evil.ttf").symlink_to(PASSWD)
    (root / "escape").symlink_to(tmp_path)
    (tmp_path / "outside.css").write_text("body{}")
    policy = AssetPolicy(root)
    base = root_url(root.resolve())
    assert policy.read(base + "fonts/real.ttf") == (b"font", "font/ttf")
    assert policy.read(base + "fonts/inside.ttf")[0] == b"font"
    for url in (base + "fonts/evil.ttf", base + "escape/outside.css"):
        with pytest.raises(RefusedURL):
            policy.resolve(url)


def test_fetcher_is_what_the_installed_weasyprint_expects() -> None:
    import weasyprint.urls

    fetcher = make_fetcher()
    if hasattr(weasyprint.urls, "URLFetcher"):
        assert isinstance(fetcher, weasyprint.urls.URLFetcher)
        response = fetcher.fetch(root_url(reports_dir().resolve()) + "css/report.css")
        assert b"@font-face" in response.read()
        response.close()
    with pytest.raises(RefusedURL):
        fetcher("file:///etc/passwd")


def test_templates_load_nothing_themselves() -> None:
    """CSS goes in through stylesheets=, never <style>; no template links, embeds or points at a URL."""
    for template in sorted((reports_dir() / "templates").iterdir()):
        body = re.sub(r"\{#.*?#\}", "", template.read_text("utf-8"), flags=re.S)  # comments may name them
        body = body.replace('xmlns="http://www.w3.org/2000/svg"', "")  # a namespace name, not a fetch
        for needle in ("<style", "<link", "<img", "<object", "<embed", "<iframe", "url(", "file:", "http:", "href="):
            assert needle not in body, f"{template.name} contains {needle}"


# ------------------------------------------------------------------- WeasyPrint with hostile HTML directly


def test_hostile_html_fetches_nothing_with_the_bundled_fetcher(listener: Listener, tmp_path: Path) -> None:
    """Defence in depth: even markup that escaped the templates' autoescaping fetches and embeds nothing."""
    from weasyprint import CSS, HTML

    html = "<html><head>" + "".join(payloads(listener)) + "</head><body><p>hostile</p>" + "".join(
        payloads(listener)) + "</body></html>"
    fetcher = make_fetcher()
    pdf = tmp_path / "hostile.pdf"
    css = CSS(string=f"body {{ background: url({listener.url('user-css')}) }}", url_fetcher=fetcher,
              base_url=root_url(reports_dir().resolve()))
    HTML(string=html, base_url=root_url(reports_dir().resolve()), url_fetcher=fetcher).write_pdf(
        pdf, stylesheets=[css], attachments=["file:///etc/passwd", listener.url("attachment")])
    assert_nothing_leaked(pdf, listener)
    assert attachment_names(pdf) == []
    assert any("127.0.0.1" in url for url in fetcher.refused)
    assert "file:///etc/passwd" in fetcher.refused


def test_the_listener_would_have_seen_the_default_fetcher(listener: Listener, tmp_path: Path) -> None:
    """Control: without our fetcher, WeasyPrint does connect — so zero connections above means something."""
    from weasyprint import HTML

    HTML(string=f'<p>x</p><img src="{listener.url("img")}">').write_pdf(tmp_path / "control.pdf")
    assert listener.connections >= 1


# --------------------------------------------------------- hostile names in real evidence, real pipeline


def poisoned_exports(target: Path, listener: Listener) -> Path:
    """CloudMapper's real exports with hostile user names, tags, policy names and ARNs."""
    folder = copy_exports(target, CLOUDMAPPER)
    evil = payloads(listener)
    authz_file = folder / "iam-authz.json"
    authz = json.loads(authz_file.read_text())
    user = authz["UserDetailList"][0]
    name = "ops" + evil[0] + evil[2]
    user["UserName"] = name
    user["Arn"] = f"arn:aws:iam::123456789012:user/{name}"
    user["Tags"] = [{"Key": evil[1], "Value": evil[4]}, {"Key": "owner", "Value": evil[9]}]
    for policy in user["AttachedManagedPolicies"]:
        policy["PolicyName"] = "Policy" + evil[3] + evil[8]
    for role in authz["RoleDetailList"]:
        for inline in role.get("RolePolicyList", []):
            inline["PolicyName"] = "inline" + evil[5] + evil[6] + evil[7] + evil[10]
    authz_file.write_text(json.dumps(authz))

    report = folder / "creds.csv"
    rows = list(csv.reader(io.StringIO(report.read_text())))
    for row in rows[1:]:
        if row[0] not in ("<root_account>",):
            row[1] = row[1].replace(f"user/{row[0]}", f"user/{row[0]}{evil[0]}{evil[1]}")
            row[0] = row[0] + evil[0] + evil[1]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    report.write_text(buffer.getvalue())
    return folder


def test_hostile_evidence_fetches_and_embeds_nothing(listener: Listener, tmp_path: Path) -> None:
    evidence = poisoned_exports(tmp_path / "exports", listener)
    exceptions = tmp_path / "exceptions.yaml"
    exceptions.write_text(json.dumps({"exceptions": [{
        "id": "EX-" + "1", "check": "user_not_in_group", "resource": "*",
        "reason": "accepted " + payloads(listener)[0] + " file:///etc/passwd", "owner": payloads(listener)[1],
        "approved_by": "CISO " + payloads(listener)[2], "ticket": payloads(listener)[4], "expires": "2030-01-01"}]}))
    out = tmp_path / "out"
    (pdf,) = [p for p in run_report(evidence, ReportOptions(
        formats=("json", "pdf"), frameworks=("cmmc-l1",), out=out, org_name=payloads(listener)[1],
        exceptions=exceptions), clock=lambda: datetime(2026, 11, 2, 9, 0, tzinfo=UTC)) if p.suffix == ".pdf"]

    text = assert_nothing_leaked(pdf, listener)
    # The names are printed as text (escaped), not interpreted as markup.
    flat = re.sub(r"\s+", "", text)
    assert "<imgsrc=" in flat and "rel=\"attachment\"" in flat
    results = json.loads((out / "results.json").read_bytes())
    allowed = {"results.json"} | {f"manifest-{a['account_id']}.json" for a in results["accounts"]}
    names = attachment_names(pdf)
    assert "results.json" in names and set(names) <= allowed
    subprocess.run(["pdfdetach", "-saveall", "-o", str(tmp_path), str(pdf)], check=True)
    assert (tmp_path / "results.json").read_bytes() == (out / "results.json").read_bytes()
    assert os.stat(pdf).st_size > 0
