"""The doctor: `tlslab doctor` checks a machine and says what to fix."""

from __future__ import annotations

import subprocess
import sys

import pytest

import tlslab
from tlslab.cli import main
from tlslab.doctor import Check, SetupReport


def test_environment_is_one_line_with_versions() -> None:
    """environment() names tlslab, Python and OpenSSL on a single line."""
    line = tlslab.environment()
    assert "\n" not in line and line.startswith(f"tlslab {tlslab.__version__}")


def test_check_setup_passes_on_the_test_machine() -> None:
    """Every check passes (or only warns) where the test suite itself runs."""
    report = tlslab.check_setup()
    assert report.ok, str(report)


def test_check_setup_reaches_a_loopback_server() -> None:
    """With the network check on, the doctor starts and reaches a greeting server."""
    report = tlslab.check_setup()
    server = next(c for c in report.checks if c.name == "loopback server")
    assert server.status == "ok" and "Hello, World!" in server.detail


def test_failed_check_shows_its_fix() -> None:
    """A failure prints its fix on the next line and the report is not ok."""
    report = SetupReport((Check("OpenSSL", "fail", "too old", "install a newer one"),))
    assert not report.ok and "fix: install a newer one" in str(report)


def test_warning_keeps_the_report_ok() -> None:
    """A missing optional tool warns without failing the report."""
    report = SetupReport((Check("curl command", "warn", "not installed", "apt"),))
    assert report.ok and "1 warning" in str(report)


def test_cli_doctor_without_network_exits_zero(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`tlslab doctor --no-network` prints the report and exits 0 here."""
    status = main(["doctor", "--no-network"])
    assert status == 0 and "certificates" in capsys.readouterr().out


def test_python_m_tlslab_runs_the_doctor() -> None:
    """`python -m tlslab doctor` works as a separate process."""
    done = subprocess.run(
        [sys.executable, "-m", "tlslab", "doctor", "--no-network"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "Ready" in done.stdout


def test_cli_without_command_shows_help(capsys: pytest.CaptureFixture[str]) -> None:
    """Plain `tlslab` prints the help and exits 2."""
    assert main([]) == 2 and "doctor" in capsys.readouterr().out
