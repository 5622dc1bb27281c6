"""Names become the right subjectAltName entries, or a clear error."""

from __future__ import annotations

import ipaddress

import pytest
from cryptography import x509

import tlslab
from tlslab.names import general_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("localhost", x509.DNSName("localhost")),
        ("*.example.test", x509.DNSName("*.example.test")),
        ("Example.TEST.", x509.DNSName("example.test")),
        ("127.0.0.1", x509.IPAddress(ipaddress.ip_address("127.0.0.1"))),
        ("::1", x509.IPAddress(ipaddress.ip_address("::1"))),
        ("alice@example.test", x509.RFC822Name("alice@example.test")),
        ("bücher.example", x509.DNSName("xn--bcher-kva.example")),
    ],
)
def test_name_becomes_right_san_type(text: str, expected: x509.GeneralName) -> None:
    """Each kind of name becomes its own SAN type (IPs are never DNS names)."""
    assert general_name(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"is empty"),
        ("exa mple.test", r"letters, digits and hyphens"),
        ("under_score.test", r"letters, digits and hyphens"),
        ("-dash.test", r"no hyphen at either end"),
        ("a..b", r"empty label"),
        ("*.test", r"covers too much"),
        ("www.*.test", r"wildcard in the wrong place"),
        ("w*.example.test", r"wildcard in the wrong place"),
        ("@example.test", r"no valid part before the '@'"),
    ],
)
def test_invalid_name_is_refused(text: str, message: str) -> None:
    """An invalid SAN name raises InvalidArgument naming it and the rule."""
    with pytest.raises(tlslab.InvalidArgument, match=message):
        general_name(text)


def test_non_text_name_is_refused() -> None:
    """A number where a name belongs gets a message saying to pass text."""
    with pytest.raises(tlslab.InvalidArgument, match=r"not text"):
        general_name(8000)  # type: ignore[arg-type]


def test_issue_without_names_is_refused() -> None:
    """A leaf without names would fail every hostname check, so it is refused."""
    ca = tlslab.CertificateAuthority.create()
    with pytest.raises(tlslab.InvalidArgument, match=r"no names were given"):
        ca.issue()
