"""Entry point of the frozen Desk: the same `desk` command the pip install provides."""

import multiprocessing
import sys

from launch.cli import main

if __name__ == "__main__":
    # Windows starts child processes by re-running the executable; without this a frozen
    # child would run the command line again instead of the child's work.
    multiprocessing.freeze_support()
    sys.exit(main())
