"""One large account's checks on two cores: a forked process runs some of them while this one runs the rest.

A 10,000-user account keeps one core busy for most of a second of checks. The child is forked once the
authorization details are parsed, so it reads the same evidence without loading it again; it runs the
checks listed in IN_SECOND_PROCESS and sends their results back through a pipe as marshal data (about a
third of pickle's cost for these plain tuples). This process runs the others meanwhile, then reads them.

Nothing here can turn into a PASS: if the child cannot be started, dies, or sends anything but the
results of the very checks it was given, this process runs those checks itself. Splitting only pays from
a few thousand principals on (below, forking and receiving cost about what they save), and only where
fork is safe and cheap (Linux); elsewhere everything runs here.
"""

from __future__ import annotations

import logging
import marshal
import os
import signal
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from ..evidence import Evidence, EvidenceUnavailable
from ..model import CheckResult, from_rows
from ..settings import Settings
from .registry import load_all, run_check

log = logging.getLogger(__name__)

# The checks the child runs: much work for few results, so sending the results back costs little of what the
# child saves. Each policy once (effective.policy_documents: parsing and probing every customer and inline
# policy) and each role's trust policy and use (roles.py). The principal-level checks share the roster of
# permission sets and the escalation analysis, and the credential-report checks give ten thousand cheap
# results each (sending one costs about what working it out does): those stay here.
IN_SECOND_PROCESS = frozenset({
    "customer_policy_allows_full_admin", "inline_policy_allows_full_admin", "policy_allows_assume_any_role",
    "policy_allows_cloudtrail_tampering", "policy_allows_kms_decrypt_on_all_keys", "policy_allows_notaction",
    "policy_allows_passrole_to_any_role", "policy_allows_service_wildcard",
    "break_glass_role_missing", "role_oidc_trust_without_subject_condition", "role_trust_allows_any_principal",
    "role_trust_cross_account_without_external_id", "role_unused", "support_role_missing",
})
# Users, groups and roles from which a second process may pay (benchmarks/README.md, sixth and seventh rounds):
# at 1,520 it saves nothing. At 15,200, on this shared 2-CPU host, it saved 6% to 26% of the assess stage in the
# sixth round; over 30 paired rounds in the seventh it took 0.62x to 1.41x the one-process time, median 0.95x,
# for about 40% more CPU: it pays when the host is slow and costs when it is fast.
SPLIT_FROM_PRINCIPALS = 4000


def can_split() -> bool:
    """A second process can be forked here (Linux: fork is safe and cheap)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def worth_splitting(evidence: Evidence) -> bool:
    """The account is large enough for a second process to save time (its authorization details are
    parsed here to tell; both halves need them, so the work is not lost)."""
    try:
        details = evidence.authorization
    except EvidenceUnavailable:
        return False
    return len(details.users) + len(details.groups) + len(details.roles) >= SPLIT_FROM_PRINCIPALS


def run_checks_in_two_processes(evidence: Evidence, settings: Settings) -> list[CheckResult]:
    """Every check on EVIDENCE, as registry.run_checks gives them (same results, same order): those in
    IN_SECOND_PROCESS in a forked child, the others in this process meanwhile."""
    registry = load_all()
    ids = sorted(registry)
    here = [registry[i] for i in ids if i not in IN_SECOND_PROCESS]
    there = [registry[i] for i in ids if i in IN_SECOND_PROCESS]
    child = _Child.start(lambda: [run_check(d, evidence, settings) for d in there])
    results: dict[str, CheckResult] = {}
    received: list[CheckResult] | None = None
    try:
        for definition in here:
            results[definition.check_id] = run_check(definition, evidence, settings)
        received = child.results([d.check_id for d in there]) if child is not None else None
    finally:
        if child is not None:
            child.end()
    if received is None:
        received = [run_check(d, evidence, settings) for d in there]
    for result in received:
        results[result.check_id] = result
    return [results[i] for i in ids]


def encode(results: list[CheckResult]) -> bytes:
    """CheckResults as marshal data: each one's id and rows() (plain tuples, marshal's to write)."""
    return marshal.dumps([(result.check_id, *result.rows()) for result in results])


def decode(data: bytes) -> list[CheckResult]:
    """The CheckResults `encode` wrote, each field of the same value and type."""
    return [from_rows(check_id, refs, rows) for check_id, refs, rows in marshal.loads(data)]


class _Child:
    """The forked process and the read end of its pipe."""

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid = pid
        self.pipe = pipe
        self.ended = False

    @classmethod
    def start(cls, work: Callable[[], list[CheckResult]]) -> _Child | None:
        """Fork a child that runs WORK and writes its encoded results to a pipe; None if it cannot be forked."""
        try:
            read_end, write_end = os.pipe()
        except OSError:
            return None
        try:
            pid = os.fork()
        except OSError as exc:
            os.close(read_end)
            os.close(write_end)
            log.debug("checks run in one process: fork failed (%s)", exc)
            return None
        if pid == 0:  # the child: never returns
            os.close(read_end)
            _child_main(write_end, work)
        os.close(write_end)
        return cls(pid, read_end)

    def results(self, expected: list[str]) -> list[CheckResult] | None:
        """The child's results, once it has ended; None (and why, logged) unless it ended normally and
        sent the results of exactly the checks EXPECTED, in that order."""
        pipe_fd, self.pipe = self.pipe, -1  # the file object below closes it
        with open(pipe_fd, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        self.ended = True
        if status != 0:
            log.warning("the second process for checks ended with exit code %s; its checks ran in this one",
                        os.waitstatus_to_exitcode(status))
            return None
        try:
            received = decode(data)
        except (ValueError, TypeError, EOFError, KeyError, IndexError) as exc:
            log.warning("the second process for checks sent unreadable results (%s); its checks ran in this one", exc)
            return None
        if [r.check_id for r in received] != expected:
            log.warning("the second process for checks sent results for other checks; its checks ran in this one")
            return None
        return received

    def end(self) -> None:
        """Stop the child if this process is leaving early (an interrupt, an error), and reap it."""
        if self.ended:
            return
        if self.pipe >= 0:
            with suppress(OSError):
                os.close(self.pipe)
        with suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self.ended = True


def _child_main(write_end: int, work: Callable[[], list[CheckResult]]) -> Any:
    """In the forked child: run WORK, write its results, and leave at once (no atexit handlers, no
    flushing of buffers inherited from the parent)."""
    status = 1
    try:
        data = encode(work())
        with open(write_end, "wb") as pipe:
            pipe.write(data)
        status = 0
    except BaseException:  # noqa: BLE001 - any failure: the parent runs these checks itself
        pass
    finally:
        os._exit(status)
