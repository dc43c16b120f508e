"""`python -m launch`: the `desk` command, as the console script runs it."""

import sys

from launch.cli import main

sys.exit(main())
