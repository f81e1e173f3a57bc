"""Fixtures of the live-collection tests: moto on 127.0.0.1, fake credentials, a fault-injecting proxy.

Helpers live in collect_support.py. This folder is a package (tests/collect/__init__.py), so pytest imports
this file as `collect.conftest`: it never takes the place of tests/conftest.py, which the tests at the
top level import as `conftest`.
"""

from __future__ import annotations

from .collect_support import moto, moto_url, proxy

__all__ = ["moto", "moto_url", "proxy"]
