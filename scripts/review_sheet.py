"""Write the clinical review sheet as a PDF: every answer, its guide sources, its sign-off.

    .venv/bin/python scripts/review_sheet.py [--out reports/review-sheet.pdf] [--html sheet.html]

(`make review-sheet`.) The HTML comes from the console's own template (review_sheet.html, the
same answer list as /review) and Debian's Chromium prints it. Sign-offs are read from the
tickets' database (HANDOFF_DB_URL, else var/handoff.db) when it has them; a missing database is
not created, the sheet then shows every answer as not signed off.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.clinic import load_clinic  # noqa: E402
from console import signoffs  # noqa: E402
from console.answers import SOURCES_PATH  # noqa: E402
from console.db import engine, utcnow  # noqa: E402
from console.review import counts, sheet_rows, with_placeholders  # noqa: E402
from console.settings import Settings  # noqa: E402
from console.web import environment  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
STYLESHEET = ROOT / "console" / "static" / "console.css"
DEFAULT_OUT = ROOT / "reports" / "review-sheet.pdf"
PRINT_TIMEOUT_SECONDS = 120


def stored_signoffs(settings: Settings) -> Dict[str, signoffs.SignOff]:
    """The sign-offs in force, or none when the database or its table does not exist yet."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return {}  # connecting would create an empty database file
    if not sa.inspect(engine(settings)).has_table(signoffs.signoffs_table.name):
        return {}
    return signoffs.latest(settings)


def sheet_html(settings: Settings) -> str:
    rows = sheet_rows(settings, stored_signoffs(settings))
    return environment.get_template("review_sheet.html").render(
        rows=rows, counts=counts(rows), now=utcnow(), clinic_name=load_clinic().name,
        source_map=SOURCES_PATH.name, stylesheet=Markup(STYLESHEET.read_text(encoding="utf-8")),
        placeholders=with_placeholders, may_sign=False, show="all", csrf_token="", open_details=True)


def print_to_pdf(html_path: Path, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="review-sheet-chromium-") as profile:
        # A profile of its own: no clash with a browser (or browser test) already running.
        command = [str(CHROMIUM), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={profile}", "--no-pdf-header-footer",
                   f"--print-to-pdf={out}", html_path.resolve().as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=PRINT_TIMEOUT_SECONDS)
    if done.returncode != 0 or not out.exists():
        raise SystemExit(f"error: Chromium could not print the sheet (exit {done.returncode}):\n{done.stderr[-2000:]}")


def page_count(pdf: Path) -> int:
    """Pages of a PDF Chromium wrote: the /Count of its root page tree (the largest; not compressed)."""
    return max((int(n) for n in re.findall(rb"/Count (\d+)", pdf.read_bytes())), default=0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the PDF to write (default: %(default)s)")
    parser.add_argument("--html", type=Path, help="also keep the HTML that was printed here")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"error: {CHROMIUM} is missing; run scripts/install_chromium.sh (make review-sheet does)",
              file=sys.stderr)
        return 2
    settings = Settings.from_env()
    html = sheet_html(settings)
    with tempfile.TemporaryDirectory(prefix="review-sheet-") as folder:
        html_path = args.html or Path(folder) / "review-sheet.html"
        html_path.write_text(html, encoding="utf-8")
        print_to_pdf(html_path, args.out)
    size_kb = args.out.stat().st_size / 1024
    print(f"wrote {args.out} ({page_count(args.out)} pages, {size_kb:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
