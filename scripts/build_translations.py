"""Build Desk's translation catalogues.

    python scripts/build_translations.py            # .ts -> .qm (pyside6-lrelease)
    python scripts/build_translations.py --update   # first refresh the .ts from the sources
                                                    # (pyside6-lupdate over ui/), then build
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ui import i18n  # noqa: E402  (after the path fix so it runs from a checkout)

LANGUAGES = ("zh_CN",)
# English is the source language; its catalogue holds only the plural forms (%n), so
# "%n hour(s)" reads "1 hour" / "2 hours" (lupdate -pluralonly).
PLURAL_ONLY = ("en",)


def update_sources() -> None:
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "ui").rglob("*.py"))
    for language in LANGUAGES:
        ts = ROOT / "resources" / "translations" / f"desk_{language}.ts"
        subprocess.run([*i18n.pyside_tool("lupdate"), "-no-obsolete", "-locations", "none",
                        "-target-language", language, *sources, "-ts", str(ts.relative_to(ROOT))],
                       check=True, cwd=ROOT)
    for language in PLURAL_ONLY:
        ts = ROOT / "resources" / "translations" / f"desk_{language}.ts"
        subprocess.run([*i18n.pyside_tool("lupdate"), "-no-obsolete", "-locations", "none", "-pluralonly",
                        "-target-language", language, *sources, "-ts", str(ts.relative_to(ROOT))],
                       check=True, cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update", action="store_true", help="run pyside6-lupdate first")
    args = parser.parse_args(argv)
    if args.update:
        update_sources()
    for qm in i18n.build(force=True):
        print(f"built {qm.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
