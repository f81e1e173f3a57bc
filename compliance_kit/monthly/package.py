"""The period package: `<out>/<period>/` with MANIFEST.sha256 and package.zip, replaced atomically.

Layout of one period folder:

    <out>/<period>/evidence/<account-id>/...   evidence directories (manifest.json each)
                   inputs/exceptions.yaml       the exceptions / attestations files the run used
                   results.json, delta.json, <framework>-report.pdf, compliance-kit.xlsx
                   MANIFEST.sha256              "<sha256>  <relative path>" for every file above
                   package.zip                  all of the above plus MANIFEST.sha256
                   previous/                    the run this one replaced, same period (only the last)

A period is built in a hidden staging folder beside it (`.staging-<period>-*`), complete with its zip,
then swapped in with two renames; the folder it replaces becomes `previous/` (hard links, so no copy).
`sha256sum -c MANIFEST.sha256` works in the period folder and in the unzipped package.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO

from ..errors import InputError
from ..evidence.manifest import MANIFEST as EVIDENCE_MANIFEST
from ..evidence.manifest import sha256_file
from .period import Scheme

MANIFEST_NAME = "MANIFEST.sha256"
PACKAGE_NAME = "package.zip"
PREVIOUS_DIR = "previous"
LOCK_NAME = ".compliance-kit.lock"
STAGING_PREFIX = ".staging-"
REPLACED_PREFIX = ".replaced-"
EXPIRED_PREFIX = ".expired-"
NOT_IN_MANIFEST = {MANIFEST_NAME, PACKAGE_NAME}
LINE_RE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")
ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)
CHUNK = 1 << 20


# --- building --------------------------------------------------------------------------------------------

def package_files(folder: Path) -> list[str]:
    """Every file of a period folder that MANIFEST.sha256 lists (not the zip, the manifest, previous/)."""
    names = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        if rel in NOT_IN_MANIFEST or rel.split("/", 1)[0] == PREVIOUS_DIR:
            continue
        if "\n" in rel or "\\" in rel:
            raise InputError("file name with a newline or backslash cannot be listed in MANIFEST.sha256",
                             file=str(path))
        names.append(rel)
    return sorted(names)


def manifest_text(folder: Path, names: list[str]) -> str:
    return "".join(f"{sha256_file(folder / name)}  {name}\n" for name in names)


def _zip_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    when = max(when, ZIP_EPOCH)
    return (when.year, when.month, when.day, when.hour, when.minute, when.second - when.second % 2)


def write_package(folder: Path, when: datetime) -> tuple[Path, str]:
    """Write MANIFEST.sha256 and package.zip into FOLDER; return the zip and its SHA-256.

    Deterministic: sorted entries, fixed timestamps (WHEN, the run's clock), fixed permissions.
    """
    names = package_files(folder)
    (folder / MANIFEST_NAME).write_text(manifest_text(folder, names), "utf-8")
    stamp = _zip_time(when)
    target = folder / PACKAGE_NAME
    tmp = folder / f".{PACKAGE_NAME}.tmp"
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for name in [*names, MANIFEST_NAME]:
                source = folder / name
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3
                info.external_attr = 0o100644 << 16
                size = source.stat().st_size
                with source.open("rb") as src, archive.open(info, "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as dst:
                    shutil.copyfileobj(src, dst, CHUNK)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target, sha256_file(target)


def new_staging(root: Path, period: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{period}-", dir=root))


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def install_period(staging: Path, root: Path, period: str, *, keep_previous: bool = True) -> Path:
    """Swap STAGING in as ROOT/PERIOD. The run it replaces becomes PERIOD/previous/ (only the last one).

    The old period folder stays whole until the new one is complete: STAGING already holds every file
    and the zip; previous/ is made of hard links to the old files (they are never modified in place).
    """
    target = root / period
    if target.exists() and not target.is_dir():
        raise InputError("exists and is not a folder", file=str(target))
    if (staging / PREVIOUS_DIR).exists():
        shutil.rmtree(staging / PREVIOUS_DIR)
    if keep_previous and target.is_dir() and any(target.iterdir()):
        shutil.copytree(target, staging / PREVIOUS_DIR, copy_function=_link_or_copy,
                        ignore=lambda d, names: [PREVIOUS_DIR] if Path(d) == target else [])
    old = None
    if target.exists():
        old = root / f"{REPLACED_PREFIX}{period}-{secrets.token_hex(4)}"
        os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target


def copy_period(source: Path, root: Path, period: str) -> Path:
    """Install a copy of an installed period folder (without its previous/) into another output root."""
    staging = new_staging(root, period)
    try:
        shutil.rmtree(staging)
        shutil.copytree(source, staging, ignore=lambda d, names: [PREVIOUS_DIR] if Path(d) == source else [])
        return install_period(staging, root, period)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def local_periods(root: Path, scheme: Scheme) -> list[str]:
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and scheme.matches(p.name))


def apply_retention(root: Path, scheme: Scheme, keep: int | None, current: str) -> list[str]:
    """Delete the oldest period folders beyond KEEP (never CURRENT); returns the periods removed."""
    if not keep:
        return []
    periods = local_periods(root, scheme)
    doomed = [p for p in periods[: max(0, len(periods) - keep)] if p != current]
    for period in doomed:
        hidden = root / f"{EXPIRED_PREFIX}{period}-{secrets.token_hex(4)}"
        os.replace(root / period, hidden)  # gone from view at once; a crash leaves only a hidden folder
        shutil.rmtree(hidden, ignore_errors=True)
    return doomed


def clean_leftovers(root: Path) -> None:
    """Remove staging / replaced / expired folders a crashed run left behind (call with the lock held)."""
    if not root.is_dir():
        return
    for path in root.iterdir():
        if path.is_dir() and path.name.startswith((STAGING_PREFIX, REPLACED_PREFIX, EXPIRED_PREFIX)):
            shutil.rmtree(path, ignore_errors=True)


class Busy(Exception):
    """Another run holds the output folder's lock."""


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """An exclusive, non-blocking lock on ROOT (overlapping scheduled runs must not interleave)."""
    root.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = (root / LOCK_NAME).open("a")
    try:
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            yield
            return
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(f"another compliance-kit run is writing to {root} (lock {root / LOCK_NAME})") from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


# --- verifying -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PackageReport:
    """What `evidence verify` prints for a period folder or a package.zip."""

    path: str
    kind: str  # "zip" or "folder"
    checked: int
    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    evidence_dirs: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added or self.problems)

    def issues(self) -> list[str]:
        out = [f"CHANGED {n}" for n in self.changed]
        out += [f"MISSING {n}" for n in self.missing]
        out += [f"ADDED {n} (not in {MANIFEST_NAME})" for n in self.added]
        return out + [f"PROBLEM {p}" for p in self.problems]

    def lines(self) -> list[str]:
        """One line per finding (or one OK line), as `evidence verify` prints them."""
        if self.ok:
            dirs = "1 evidence directory matches its" if self.evidence_dirs == 1 else \
                f"{self.evidence_dirs} evidence directories match their"
            return [f"OK {self.path}: {self.checked} files match {MANIFEST_NAME} ({dirs} manifest.json)", *self.notes]
        return [f"{issue.split(' ', 1)[0]} {self.path}: {issue.split(' ', 1)[1]}" for issue in self.issues()] + list(
            self.notes)


def is_package(path: Path) -> bool:
    """A period folder (with MANIFEST.sha256) or a zip: what verify_package accepts."""
    if path.is_dir():
        return (path / MANIFEST_NAME).is_file()
    return path.is_file() and zipfile.is_zipfile(path)


def _parse_manifest(text: str) -> tuple[dict[str, str], list[str]]:
    listed: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = LINE_RE.match(line)
        if not match:
            problems.append(f"{MANIFEST_NAME} line {number}: not '<sha256>  <path>'")
            continue
        name = match.group(2)
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts or name.startswith("\\"):
            problems.append(f"{MANIFEST_NAME} line {number}: unsafe path {name!r}")
            continue
        if name in listed:
            problems.append(f"{MANIFEST_NAME} line {number}: {name} listed twice")
        listed[name] = match.group(1)
    return listed, problems


def _check_evidence(hashes: dict[str, str], manifests: dict[str, bytes]) -> tuple[int, list[str]]:
    """Each evidence/**/manifest.json against the files beside it (by the hashes already computed)."""
    import json

    bases = {name.rsplit("/", 1)[0]: name for name in manifests}
    owner: dict[str, str] = {}  # file -> the manifest of the deepest evidence directory holding it
    for name in hashes:
        if name in manifests:
            continue
        parts = name.split("/")
        for end in range(len(parts) - 1, 0, -1):
            base = "/".join(parts[:end])
            if base in bases:
                owner[name] = bases[base]
                break
    problems: list[str] = []
    for manifest_name, raw in sorted(manifests.items()):
        base = manifest_name.rsplit("/", 1)[0]
        try:
            manifest = json.loads(raw)
            entries = [*manifest.get("artifacts", []), *manifest.get("documents", [])]
        except (ValueError, AttributeError, TypeError):
            problems.append(f"{manifest_name}: not a valid evidence manifest")
            continue
        listed = {f"{base}/{e['file']}": e.get("sha256") for e in entries
                  if isinstance(e, dict) and e.get("file") and e.get("sha256")}
        for name, expected in sorted(listed.items()):
            if name not in hashes:
                problems.append(f"{name}: listed in {manifest_name} but missing")
            elif hashes[name] != expected:
                problems.append(f"{name}: does not match {manifest_name}")
        unlisted = {n for n, m in owner.items() if m == manifest_name} - set(listed)
        problems += [f"{name}: not in {manifest_name}" for name in sorted(unlisted)]
    return len(manifests), problems


def _hash_stream(handle: IO[bytes]) -> str:
    import hashlib

    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(CHUNK), b""):
        digest.update(block)
    return digest.hexdigest()


def _verify_zip(path: Path) -> PackageReport:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"not a readable zip archive ({exc})", file=str(path)) from None
    with archive:
        members = [i for i in archive.infolist() if not i.is_dir()]
        names = [i.filename for i in members]
        if MANIFEST_NAME not in names:
            raise InputError(f"no {MANIFEST_NAME} in the archive: not a compliance-kit package", file=str(path))
        listed, problems = _parse_manifest(archive.read(MANIFEST_NAME).decode("utf-8", "replace"))
        hashes: dict[str, str] = {}
        evidence_manifests: dict[str, bytes] = {}
        for info in members:
            name = info.filename
            pure = PurePosixPath(name)
            if pure.is_absolute() or ".." in pure.parts:
                problems.append(f"unsafe member name {name!r}")
                continue
            if name == MANIFEST_NAME:
                continue
            with archive.open(info) as handle:
                hashes[name] = _hash_stream(handle)
            if name.startswith("evidence/") and name.endswith("/" + EVIDENCE_MANIFEST):
                evidence_manifests[name] = archive.read(info)
        if len(set(names)) != len(names):
            problems.append("the archive holds the same name twice")
    changed = tuple(n for n in sorted(listed) if n in hashes and hashes[n] != listed[n])
    missing = tuple(n for n in sorted(listed) if n not in hashes)
    added = tuple(sorted(set(hashes) - set(listed)))
    count, evidence_problems = _check_evidence(hashes, evidence_manifests)
    return PackageReport(str(path), "zip", len(listed), changed, missing, added,
                         tuple(problems + evidence_problems), count)


def _verify_folder(path: Path, label: str | None = None) -> PackageReport:
    manifest = path / MANIFEST_NAME
    if not manifest.is_file():
        raise InputError(f"no {MANIFEST_NAME}: not a compliance-kit period folder", file=str(path))
    listed, problems = _parse_manifest(manifest.read_text("utf-8", "replace"))
    present = set(package_files(path))
    hashes = {name: sha256_file(path / name) for name in sorted(present)}
    changed = tuple(n for n in sorted(listed) if n in hashes and hashes[n] != listed[n])
    missing = tuple(n for n in sorted(listed) if n not in hashes)
    added = tuple(sorted(present - set(listed)))
    evidence_manifests = {n: (path / n).read_bytes() for n in hashes
                          if n.startswith("evidence/") and n.endswith("/" + EVIDENCE_MANIFEST)}
    count, evidence_problems = _check_evidence(hashes, evidence_manifests)
    problems += evidence_problems
    notes: list[str] = []
    zip_path = path / PACKAGE_NAME
    if not zip_path.is_file():
        problems.append(f"{PACKAGE_NAME} is missing")
    else:
        inner = _verify_zip(zip_path)
        problems += [f"{PACKAGE_NAME}: {issue}" for issue in inner.issues()]
        with zipfile.ZipFile(zip_path) as archive:
            if archive.read(MANIFEST_NAME) != manifest.read_bytes():
                problems.append(f"{PACKAGE_NAME} holds a different {MANIFEST_NAME} than the folder")
    previous = path / PREVIOUS_DIR
    if label is None and (previous / MANIFEST_NAME).is_file():
        older = _verify_folder(previous, label="previous")
        notes += [f"  previous run: {line}" for line in older.lines()]
        if not older.ok:
            problems.append(f"{PREVIOUS_DIR}/ (the run this one replaced) does not verify")
    return PackageReport(str(path), "folder", len(listed), changed, missing, added, tuple(problems), count,
                         tuple(notes))


def verify_package(path: Path) -> PackageReport:
    """Verify a period folder or a package.zip: MANIFEST.sha256, every evidence manifest, and the zip.

    InputError when PATH is neither (no MANIFEST.sha256 / not a zip).
    """
    path = Path(path)
    if path.is_dir():
        return _verify_folder(path)
    if path.is_file():
        return _verify_zip(path)
    raise InputError("no such file or folder", file=str(path))
