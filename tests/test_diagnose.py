"""Reason codes from what clients say: OpenSSL's numbers and words, and curl's."""

from __future__ import annotations

import pytest

from tlslab.diagnose import REASONS, classify


def _reason(detail: str, code: int | None = None) -> str:
    return classify(
        "test",
        address="127.0.0.1:1",
        hostname="localhost",
        detail=detail,
        verify_code=code,
    ).reason


@pytest.mark.parametrize("reason", REASONS)
def test_every_reason_has_its_own_message(reason: str) -> None:
    """Each reason code explains itself, rather than the generic fallback."""
    error = classify(
        "test", address="127.0.0.1:1", hostname="localhost", detail="x", reason=reason
    )
    generic = str(error).startswith("test: the TLS connection to")
    assert generic == (reason == "failed")


@pytest.mark.parametrize(
    ("code", "words", "reason"),
    [
        (66, "EE certificate key too weak", "weak-key"),
        (67, "CA certificate key too weak", "weak-key"),
        (68, "CA signature digest algorithm too weak", "weak-signature"),
        (79, "invalid CA certificate", "invalid-ca"),
        (32, "key usage does not include certificate signing", "invalid-ca"),
        (26, "unsuitable certificate purpose", "wrong-purpose"),
        (85, "Missing Authority Key Identifier", "not-rfc5280"),
        (89, "Basic Constraints of CA cert not marked critical", "not-rfc5280"),
        (23, "certificate revoked", "verify-failed"),
    ],
)
def test_verify_error_numbers(code: int, words: str, reason: str) -> None:
    """OpenSSL's X509 verify error numbers (3.x) map to their reasons."""
    assert _reason(words, code) == reason


@pytest.mark.parametrize(
    ("words", "reason"),
    [
        ("invalid CA certificate", "invalid-ca"),
        ("issuer certificate doesn't have a public key", "verify-failed"),
    ],
)
def test_number_24_is_read_by_its_words(words: str, reason: str) -> None:
    """24 was INVALID_CA in OpenSSL 1.1.1 and is NO_ISSUER_PUBLIC_KEY in 3.x."""
    assert _reason(words, 24) == reason


@pytest.mark.parametrize(
    ("problem", "reason"),
    [
        ("EE certificate key too weak", "weak-key"),
        ("CA signature digest algorithm too weak", "weak-signature"),
        ("invalid CA certificate", "invalid-ca"),
        ("unsuitable certificate purpose", "wrong-purpose"),
        ("Missing Subject Key Identifier", "not-rfc5280"),
        ("self-signed certificate", "self-signed"),
        ("self signed certificate in certificate chain", "untrusted-issuer"),
        ("certificate revoked", "verify-failed"),
    ],
)
def test_curl_words(problem: str, reason: str) -> None:
    """curl's "SSL certificate problem: ..." text, which has no number."""
    detail = f"certificate verify failed: SSL certificate problem: {problem}"
    assert _reason(detail) == reason
