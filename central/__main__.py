"""`python -m central`: the same as `desk central`."""

import sys

from central.server import main

sys.exit(main())
