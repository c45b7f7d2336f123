"""`python -m resp_server ...` is the same as the `resp-server` console script."""

import sys

from resp_server.cli import main

sys.exit(main())
