"""The PDF renderer's URL fetcher: bundled assets under reports/ and nothing else.

WeasyPrint's default fetcher reads any local file and makes network requests: a stylesheet link, an
@import, an @font-face, a url() in a style attribute, an <img>, an <object>, an SVG <image> or a
``<link rel=attachment>`` would be fetched (and, for attachments, embedded in the PDF). Evidence is
written by the people being audited, so nothing it names may be fetched. This fetcher serves only
regular files below the bundled ``reports/`` folder, with an allowed suffix, addressed by a plain
``file://`` URL without ``..``, percent-escapes, query or fragment, and whose real path (symlinks
resolved) is still inside the folder. Everything else is refused and recorded in ``refused``.

WeasyPrint >= 68 takes a ``URLFetcher`` instance (``weasyprint.urls.URLFetcher`` subclass); older
versions take a function returning a dict. :func:`make_fetcher` returns what the installed version wants.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..paths import reports_dir

try:  # WeasyPrint >= 68: class-based fetchers
    from weasyprint.urls import URLFetcher as _WeasyFetcher
    from weasyprint.urls import URLFetcherResponse as _Response
except ImportError:  # pragma: no cover - older WeasyPrint
    _WeasyFetcher = None
    _Response = None

try:
    from weasyprint.urls import path2url as _path2url
except ImportError:  # pragma: no cover
    _path2url = None

MAX_URL_LENGTH = 2048
MAX_ASSET_BYTES = 8 * 1024 * 1024
CONTENT_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
# One or more path segments of plain ASCII names; a segment may not start with a dot.
_RELATIVE = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9_.\-]*(/[A-Za-z0-9_\-][A-Za-z0-9_.\-]*)*")


class RefusedURL(ValueError):
    """The renderer asked for something that is not a bundled asset."""


def root_url(root: Path) -> str:
    """The file:// URL of ROOT with a trailing slash, spelled as WeasyPrint spells base URLs."""
    url = _path2url(str(root)) if _path2url is not None else root.as_uri()
    return url if url.endswith("/") else url + "/"


class AssetPolicy:
    """Decides whether a URL names a bundled asset; returns its path or raises RefusedURL."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or reports_dir()).resolve(strict=True)
        self.prefix = root_url(self.root)
        self.served: list[str] = []
        self.refused: list[str] = []

    def resolve(self, url: object) -> Path:
        try:
            return self._resolve(url)
        except RefusedURL:
            self.refused.append(str(url)[:200])
            raise

    def _resolve(self, url: object) -> Path:
        if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
            raise RefusedURL("not a URL the report may load")
        if not url.lower().startswith("file:"):
            raise RefusedURL(f"only bundled report assets may be loaded, not {url[:80]!r}")
        if not url.startswith(self.prefix):
            raise RefusedURL(f"outside the bundled report assets: {url[:120]!r}")
        relative = url[len(self.prefix):]
        if not _RELATIVE.fullmatch(relative):
            raise RefusedURL(f"not a plain asset path (escapes, '..', query or fragment): {relative[:120]!r}")
        parts = relative.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise RefusedURL(f"not a plain asset path: {relative[:120]!r}")
        candidate = self.root.joinpath(*parts)
        if candidate.suffix.lower() not in CONTENT_TYPES:
            raise RefusedURL(f"not an asset type the report uses: {relative[:120]!r}")
        try:
            real = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            raise RefusedURL(f"no such bundled asset: {relative[:120]!r}") from None
        if not real.is_relative_to(self.root) or not real.is_file():
            raise RefusedURL(f"not a regular file inside the bundled assets: {relative[:120]!r}")
        if real.stat().st_size > MAX_ASSET_BYTES:
            raise RefusedURL(f"asset too large: {relative[:120]!r}")
        self.served.append(relative)
        return real

    def read(self, url: object) -> tuple[bytes, str]:
        path = self.resolve(url)
        return path.read_bytes(), CONTENT_TYPES[path.suffix.lower()]


if _WeasyFetcher is not None:

    class BundledAssetFetcher(_WeasyFetcher):  # type: ignore[misc,valid-type]
        """WeasyPrint >= 68 fetcher serving only bundled report assets (see module docstring)."""

        def __init__(self, root: Path | None = None) -> None:
            # No redirects, no protocol but file (our fetch() never reaches urllib anyway).
            super().__init__(timeout=1, allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False)
            self.policy = AssetPolicy(root)

        @property
        def served(self) -> list[str]:
            return self.policy.served

        @property
        def refused(self) -> list[str]:
            return self.policy.refused

        def fetch(self, url: str, headers: Any = None) -> Any:
            data, content_type = self.policy.read(url)
            return _Response(url, data, {"Content-Type": content_type}, 200)

        def open(self, url: Any, data: Any = None, timeout: Any = None) -> Any:
            # urllib-style entry point: route through the same policy, never through urllib handlers.
            return self.fetch(getattr(url, "full_url", url))

else:  # pragma: no cover - WeasyPrint < 68

    class BundledAssetFetcher:  # type: ignore[no-redef]
        """Function-style fetcher for WeasyPrint < 68: call it with a URL, get a dict."""

        def __init__(self, root: Path | None = None) -> None:
            self.policy = AssetPolicy(root)

        @property
        def served(self) -> list[str]:
            return self.policy.served

        @property
        def refused(self) -> list[str]:
            return self.policy.refused

        def __call__(self, url: str) -> dict[str, Any]:
            data, content_type = self.policy.read(url)
            return {"string": data, "mime_type": content_type, "redirected_url": url}


def make_fetcher(root: Path | None = None) -> BundledAssetFetcher:
    """The fetcher to pass as ``url_fetcher=`` to weasyprint.HTML / CSS / Attachment."""
    return BundledAssetFetcher(root)
