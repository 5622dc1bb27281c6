"""Arbitrary and mangled input gives tlslab's own errors, never a raw one.

The valid PEM that gets mangled is made once by tlslab (an EC leaf with its
key and an intermediate), then cut, flipped and spliced by hypothesis.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tlslab

CA = tlslab.CertificateAuthority.create("Fuzz Root")
SITE = CA.intermediate("Fuzz Intermediate").issue("localhost")
VALID = SITE.to_pem()
ENCRYPTED = SITE.key_pem("s3cret") + SITE.fullchain_pem()

LOADERS = [
    lambda data: tlslab.load(data),
    lambda data: tlslab.load(data, passphrase="s3cret"),
    lambda data: tlslab.load_certificates(data),
    lambda data: tlslab.key_from_pem(data),
    lambda data: tlslab.key_from_pem(data, "s3cret"),
    lambda data: tlslab.CertificateAuthority(CA.key, CA.cert).sign_csr(data),
]

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def only_tlslab_errors(data: bytes) -> None:
    """Run every loader on ``data``; anything but a TlslabError fails the test."""
    for loader in LOADERS:
        with contextlib.suppress(tlslab.TlslabError):
            loader(data)


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes(data: bytes) -> None:
    """Random bytes give only tlslab errors."""
    only_tlslab_errors(data)


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    """A valid PEM with some bytes replaced, removed or inserted."""
    base = bytearray(draw(st.sampled_from([VALID, ENCRYPTED])))
    for _ in range(draw(st.integers(1, 8))):
        where = draw(st.integers(0, len(base) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if action == "flip":
            base[where] = draw(st.integers(0, 255))
        elif action == "cut":
            del base[where : where + draw(st.integers(1, 64))]
        elif action == "insert":
            base[where:where] = draw(st.binary(min_size=1, max_size=16))
        else:
            del base[where:]
        if not base:
            base = bytearray(b"-")
    return bytes(base)


@FUZZ
@given(mangled())
def test_mangled_pem(data: bytes) -> None:
    """PEMs damaged anywhere give only tlslab errors."""
    only_tlslab_errors(data)


@FUZZ
@given(st.text(max_size=200))
def test_arbitrary_text(text: str) -> None:
    """Random text, read as PEM text or as a file name, gives only tlslab errors."""
    only_tlslab_errors(text.encode("utf-8", "surrogatepass"))
    with contextlib.suppress(tlslab.TlslabError):
        tlslab.load(text or ".")


@pytest.mark.parametrize("cut", [64, 200, 300, 700])
def test_truncated_valid_pem_says_damaged(cut: int) -> None:
    """A valid PEM cut short still gives a LoadError, not a crash."""
    with pytest.raises(tlslab.LoadError):
        tlslab.load(VALID[:cut])
