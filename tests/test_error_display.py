"""How a tlslab error looks in Jupyter: the learner's line, then the message."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

import tlslab
from tlslab import errors


def rendered(call) -> list[str]:
    """What IPython would show for the tlslab error ``call()`` raises."""
    with pytest.raises(tlslab.TlslabError) as caught:
        call()
    return caught.value._render_traceback_()


def test_tlslab_frames_are_hidden() -> None:
    """tlslab's own frames stay out; the caller's line and the message stay in."""
    lines = rendered(lambda: tlslab.load("missing.pem"))
    assert not any("pemfiles.py" in line for line in lines)
    assert "tlslab.load(" in "\n".join(lines) and lines[-1].endswith("check the path")


def test_full_tracebacks_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """FULL_TRACEBACKS = True shows tlslab's frames too."""
    monkeypatch.setattr(errors, "FULL_TRACEBACKS", True)
    lines = rendered(lambda: tlslab.load("missing.pem"))
    assert any("pemfiles.py" in line for line in lines)


def test_handshake_error_shows_its_reason() -> None:
    """A handshake error's display ends with its reason code."""
    ca = tlslab.CertificateAuthority.create()
    with tlslab.serve_greeting(ca.issue("localhost"), name="test_error_display") as s:
        lines = rendered(
            lambda: tlslab.fetch_greeting(s, trust=ca, hostname="other.test")
        )
    assert lines[-1] == "reason: 'hostname-mismatch'"


def test_short_display_in_a_real_kernel() -> None:
    """In a kernel, the error output names the error and hides tlslab's frames."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import tlslab"),
        nbformat.v4.new_code_cell(
            "tlslab.new_key('dsa')", metadata={"tags": ["raises-exception"]}
        ),
    ]
    NotebookClient(nb, timeout=60, allow_error_names=["InvalidArgument"]).execute()
    output = nb.cells[1].outputs[0]
    text = "\n".join(output["traceback"])
    assert output["ename"] == "InvalidArgument" and "keys.py" not in text
