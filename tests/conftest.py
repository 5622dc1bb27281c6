"""Shared fixtures: certificates are made fresh by tlslab for every session."""

from __future__ import annotations

import ssl
import sys

import cryptography
import pytest
import twisted

import tlslab


def pytest_report_header() -> list[str]:
    """Print the versions the TLS behaviour depends on."""
    return [
        f"tlslab {tlslab.__version__}; Python {sys.version.split()[0]}",
        f"OpenSSL (Python ssl): {ssl.OPENSSL_VERSION}",
        f"cryptography {cryptography.__version__}; Twisted {twisted.__version__}",
    ]


@pytest.fixture(scope="session")
def ca() -> tlslab.CertificateAuthority:
    """A root CA made by CertificateAuthority.create() for this test session."""
    return tlslab.CertificateAuthority.create("tlslab Test Root CA")


@pytest.fixture(scope="session")
def intermediate(ca: tlslab.CertificateAuthority) -> tlslab.CertificateAuthority:
    """An intermediate CA (path length 0) signed by the session root."""
    return ca.intermediate("tlslab Test Intermediate CA")


@pytest.fixture(scope="session")
def site(intermediate: tlslab.CertificateAuthority) -> tlslab.Credentials:
    """A server leaf for localhost and 127.0.0.1, issued by the intermediate."""
    return intermediate.issue("localhost", "127.0.0.1")
