"""`desk report` against the real reference server: the supervisor view's reports as CSV
(read back with the csv module), PDF (read back with pdftotext) and a terminal table,
masked by default, unmasked with --reveal with the reveals on the server after sync,
and refused for an officer's profile."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from desk import export, supervision
from launch import cli, report
from tests.faults import harness

FULL_NAME, FULL_PHONE = "张伟明", "13912345678"


def run(*argv, password=harness.PASSWORD):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["--password-stdin", *argv], out=out, err=err, stdin=io.StringIO(password + "\n"))
    return code, out.getvalue(), err.getvalue()


def ok(*argv):
    code, out, err = run(*argv)
    assert code == 0, (argv, out, err)
    return out


def _read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    blank = rows.index([])
    return dict(rows[:blank]), rows[blank + 1], rows[blank + 2:]


@pytest.fixture
def chief(tmp_path, env, server):
    unit = harness.officer_unit(server, "chief1")
    # Received three weeks ago: every clock of these is overdue.
    old = datetime.now(UTC) - timedelta(days=21)
    cases = [harness.intake(server, unit, title=f"户口迁移咨询 {n}", received_at=old) for n in range(3)]
    profile = str(tmp_path / "chief-profile")
    ok("--profile", profile, "login", "--server", server.url, "--username", "chief1")
    ok("--profile", profile, "sync")
    return profile, cases


def test_periods_are_the_supervision_periods():
    assert report.PERIODS == supervision.PERIODS


def test_overdue_csv_masked_then_revealed_and_the_reveals_reach_the_server(tmp_path, server, chief):
    profile, cases = chief
    masked = tmp_path / "overdue.csv"
    out = ok("--profile", profile, "report", "overdue", "--csv", str(masked))
    assert "wrote" in out and "reveal" not in out
    heading, columns, rows = _read_csv(masked)
    assert columns == list(export.OVERDUE_COLUMNS.values())
    assert heading["Personal data"] == "masked" and heading["Station"]
    by_number = {r[0]: r for r in rows}
    assert {c["number"] for c in cases} <= set(by_number)
    row = by_number[cases[0]["number"]]
    assert row[columns.index("Deadline state")] == "overdue"
    assert FULL_NAME not in row and FULL_PHONE not in row
    assert row[columns.index("Phone")].startswith("139") and row[columns.index("Phone")].endswith("5678")
    # Nothing was revealed, so nothing is queued.
    assert ok("--profile", profile, "outbox").strip().endswith("0 queued")

    shown = tmp_path / "overdue-shown.csv"
    out = ok("--profile", profile, "report", "overdue", "--csv", str(shown), "--reveal")
    assert "recorded" in out
    heading, columns, rows = _read_csv(shown)
    assert heading["Personal data"] == "shown"
    row = {r[0]: r for r in rows}[cases[0]["number"]]
    assert row[columns.index("Citizen")] == FULL_NAME and row[columns.index("Phone")] == FULL_PHONE

    ok("--profile", profile, "sync")
    on_server = harness.server_case(server, "chief1", cases[0]["id"])
    reveals = [e for e in on_server["entries"] if e["type"] == "reveal"]
    assert sorted(e["data"]["field"] for e in reveals) == ["name", "phone"]


def test_pdf_read_back_masked_and_revealed(tmp_path, env, server, chief):
    assert shutil.which("pdftotext"), "poppler-utils gives pdftotext"
    profile, cases = chief
    masked = tmp_path / "overdue.pdf"
    # The real console entry point: Qt comes up offscreen for --pdf only.
    proc = harness.desk_cli(["--profile", profile, "report", "overdue", "--pdf", str(masked)], env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    text = subprocess.run(["pdftotext", "-layout", str(masked), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Overdue and due soon" in text and cases[0]["number"] in text
    assert "masked" in text and FULL_PHONE not in text and FULL_NAME not in text
    assert "139" in text

    shown = tmp_path / "overdue-shown.pdf"
    proc = harness.desk_cli(["--profile", profile, "report", "overdue", "--pdf", str(shown), "--reveal"], env)
    assert proc.returncode == 0, proc.stderr
    text = subprocess.run(["pdftotext", "-layout", str(shown), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert FULL_PHONE in text and FULL_NAME in text


def test_compliance_workload_ratings_csv_and_terminal(tmp_path, server, chief):
    profile, cases = chief
    path = tmp_path / "compliance.csv"
    ok("--profile", profile, "report", "compliance", "--period", "90", "--csv", str(path))
    heading, columns, rows = _read_csv(path)
    assert columns == list(export.COMPLIANCE_COLUMNS.values())
    assert "90 days" in heading["Period"] and rows[0][0] == "Station"

    path = tmp_path / "workload.csv"
    ok("--profile", profile, "report", "workload", "--csv", str(path))
    _heading, columns, rows = _read_csv(path)
    assert columns == list(export.WORKLOAD_COLUMNS.values())
    unclaimed = next(r for r in rows if r[0] == "(unclaimed)")
    assert int(unclaimed[columns.index("Overdue")]) >= len(cases)

    path = tmp_path / "ratings.csv"
    ok("--profile", profile, "report", "ratings", "--period", "7", "--csv", str(path))
    _heading, columns, rows = _read_csv(path)
    assert columns == list(export.RATINGS_COLUMNS.values()) and rows[0][0] == "Station"

    out = ok("--profile", profile, "report", "overdue")
    assert "personal data masked" in out and cases[0]["number"] in out
    assert FULL_PHONE not in out and FULL_NAME not in out
    assert "Case number" in out.splitlines()[1]
    out = ok("--profile", profile, "report", "workload")
    assert "Oldest open case" in out and "(unclaimed)" in out


def test_an_officers_profile_is_refused(tmp_path, env, server):
    profile = str(tmp_path / "officer-profile")
    ok("--profile", profile, "login", "--server", server.url, "--username", "officer1")
    code, out, err = run("--profile", profile, "report", "overdue")
    assert code == cli.EXIT_USAGE and out == ""
    assert "for station chiefs (supervisors)" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_period_is_a_usage_error(tmp_path, env, capsys):
    # argparse's own usage error, as for every command: exit 2 with the choices named.
    with pytest.raises(SystemExit) as stopped:
        run("report", "overdue", "--period", "14")
    assert stopped.value.code == cli.EXIT_USAGE
    assert "choose from 7, 30, 90" in capsys.readouterr().err
