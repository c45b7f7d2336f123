"""resp-kvcache's installable extras under a name of ours: `resp_kvcache.connector` (the numpy
chunk client and the LMCache plugin) and `resp_kvcache.scripts` (resp-bench, the LMCache demo).

In the repository they are the top-level folders `connector/` and `scripts/`; pyproject.toml maps
them here when the project is installed (wheel or editable). Run from a checkout with only
PYTHONPATH set, this package finds them beside itself: the repository root joins `__path__`.
"""

from __future__ import annotations

import os

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)
if not os.path.isdir(os.path.join(_HERE, "connector")) and os.path.isfile(
        os.path.join(_ROOT, "connector", "__init__.py")):
    __path__.append(_ROOT)  # noqa: F821 - a checkout: resp_kvcache.connector is ../connector
