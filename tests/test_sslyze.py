"""sslyze checks the servers against Mozilla's TLS configurations.

sslyze pins an older cryptography than tlslab uses, so it lives in its own
virtual environment (.venv-sslyze, made by `make test`), whose bin folder is
put on PATH for pytest.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

import tlslab

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("sslyze") is None,
        reason=(
            "sslyze is not on PATH; run `make test`, or: python3 -m venv "
            ".venv-sslyze && .venv-sslyze/bin/pip install 'sslyze>=6,<7' and "
            "put .venv-sslyze/bin on PATH"
        ),
    ),
]


def _scan(server: tlslab.GreetingServer, config: str, ca_file: str) -> str:
    done = subprocess.run(
        [
            "sslyze",
            f"--mozilla_config={config}",
            f"--certinfo_ca_file={ca_file}",
            f"localhost:{server.port}{{127.0.0.1}}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.stdout


@pytest.fixture(scope="module")
def ca_file(ca: tlslab.CertificateAuthority, tmp_path_factory) -> str:
    """The session root as a PEM file, sslyze's trust store for the scan."""
    path = tmp_path_factory.mktemp("sslyze") / "root.pem"
    path.write_bytes(ca.cert_pem)
    return str(path)


def test_default_server_is_mozilla_intermediate(
    site: tlslab.Credentials, ca_file: str
) -> None:
    """The default profile is compliant with Mozilla's intermediate configuration."""
    with tlslab.serve_greeting(site) as server:
        report = _scan(server, "intermediate", ca_file)
    assert "OK - Compliant." in report, report[-3000:]


def test_modern_profile_is_mozilla_modern(
    intermediate: tlslab.CertificateAuthority, ca_file: str
) -> None:
    """The modern profile with an EC certificate is compliant with 'modern'."""
    ec_site = intermediate.issue("localhost", "127.0.0.1", key_type="ec")
    with tlslab.serve_greeting(ec_site, profile="modern") as server:
        report = _scan(server, "modern", ca_file)
    assert "OK - Compliant." in report, report[-3000:]


def test_legacy_profile_is_not_compliant(
    site: tlslab.Credentials, ca_file: str
) -> None:
    """The legacy-insecure profile fails the intermediate check, as it should."""
    with tlslab.serve_greeting(site, profile="legacy-insecure") as server:
        report = _scan(server, "intermediate", ca_file)
    assert "FAILED - Not compliant." in report, report[-3000:]
