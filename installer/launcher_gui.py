"""Entry point of deskw.exe on Windows: the desktop app without a console window.

Shortcuts start this one; `desk.exe` stays the console program for the command line.
"""

import multiprocessing
import sys

from ui.app import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main(sys.argv[1:]))
