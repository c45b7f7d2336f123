"""Deprecated import path `connector`, installed for one release: use `resp_kvcache.connector`.

Installed wheels put the chunk client under `resp_kvcache.connector`; this thin package keeps
`import connector` and LMCache configs naming `connector.lmcache` working, with a
DeprecationWarning. A repository checkout imports its real `connector/` folder instead.
"""

from __future__ import annotations

import warnings

from resp_kvcache.connector import *  # noqa: F403
from resp_kvcache.connector import __all__  # noqa: F401

warnings.warn("the 'connector' package is deprecated and will be removed in the next release; "
              "import 'resp_kvcache.connector' (LMCache: module_path "
              "'resp_kvcache.connector.lmcache')", DeprecationWarning, stacklevel=2)
