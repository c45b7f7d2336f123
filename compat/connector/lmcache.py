"""Deprecated: `connector.lmcache` is `resp_kvcache.connector.lmcache` (LMCache plugin configs
should name the new module_path; this one works for one release). `RespConnector` is built on
first access, as in the real module (lmcache is imported only then)."""

from __future__ import annotations

from typing import Any

from resp_kvcache.connector import lmcache as _real
from resp_kvcache.connector.lmcache import *  # noqa: F403


def __getattr__(name: str) -> Any:
    return getattr(_real, name)
