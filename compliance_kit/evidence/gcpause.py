"""Pause the cyclic garbage collector while building large, long-lived, acyclic structures.

Parsing a 10,000-user account and assessing it allocate millions of objects that all stay alive; every
few thousand allocations CPython's collector walks them again, which cost more than half of the CPU
time of `evidence load + assess` (benchmarks/README.md). These structures hold no reference cycles to
free, so the collector is paused for the duration and runs again afterwards; reference counting still
frees everything else immediately. Nesting and threads are safe: only the outermost pause re-enables it.
It also freezes what survived (gc.freeze): otherwise the first collections after the pause walk all
those objects once more, only to promote them. Frozen objects are still freed by reference counting;
only reference cycles among them would wait (we build none).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.freeze()
                gc.enable()
