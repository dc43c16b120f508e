"""The README's two quick-start commands are what .ci/run runs, so a fresh machine that
follows the README does what CI proves works (issue 13: the first command failed on
Debian's system Python, which refuses pip outside a virtual environment)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_ci_runs_the_readme_quick_start_word_for_word():
    install, tests = _quick_start_commands()[:2]
    assert install.endswith(" && desk demo")
    ci = (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    assert install.removesuffix(" && desk demo") in ci
    assert tests in ci


def test_the_install_makes_and_uses_a_virtual_environment():
    install = _quick_start_commands()[0]
    assert install.startswith("python3 -m venv .venv && . .venv/bin/activate && ")
    # Nothing installs into the system Python (externally-managed-environment).
    assert "python3 -m pip" not in install and "--break-system-packages" not in install
