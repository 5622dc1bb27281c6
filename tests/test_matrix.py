"""The client matrix: verdicts per client, disagreements, text and HTML tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import tlslab
from tlslab.matrix import ClientMatrix

needs_tools = pytest.mark.skipif(
    shutil.which("openssl") is None or shutil.which("curl") is None,
    reason="needs the openssl and curl commands: apt-get install openssl curl",
)

CASES = ["good", "no-san", "no-authority-key-id", "rsa-1024"]


@pytest.fixture(scope="module")
def table() -> ClientMatrix:
    """A matrix of four cases (built fresh) against every client."""
    return tlslab.client_matrix(CASES)


def test_one_row_per_case_one_column_per_client(table: ClientMatrix) -> None:
    """The matrix has the cases asked for, and every client's verdict on each."""
    assert [row.case.name for row in table] == CASES
    assert all(set(row.verdicts) == set(table.clients) for row in table)


@needs_tools
def test_disagreements_are_found(table: ClientMatrix) -> None:
    """Rows where some tools accept and others refuse are the disagreements."""
    names = {row.case.name for row in table.disagreements()}
    assert names == {"no-san", "no-authority-key-id"}


@needs_tools
def test_tool_that_accepted_by_common_name_is_flagged(table: ClientMatrix) -> None:
    """openssl accepts a leaf without SAN by its CN; tlslab refuses it on top."""
    verdict = table.verdict("no-san", "openssl")
    assert (verdict.reason, verdict.tool_accepted) == ("no-san", True)


def test_strict_client_refuses_missing_key_identifier(table: ClientMatrix) -> None:
    """ssl with VERIFY_X509_STRICT refuses a leaf without AKI, in its own words."""
    verdict = table.verdict("no-authority-key-id", "ssl-strict")
    assert "Missing Authority Key Identifier" in verdict.detail


def test_server_refusal_is_recorded(table: ClientMatrix) -> None:
    """The rsa-1024 row keeps what the server's OpenSSL said when it refused."""
    assert "ee key too small" in (table.row("rsa-1024").server_refusal or "")


def test_clients_meet_the_weakened_server(table: ClientMatrix) -> None:
    """Served weakened, the 1024-bit key is refused by the clients' OpenSSL."""
    verdict = table.verdict("rsa-1024", "ssl")
    assert "EE certificate key too weak" in verdict.detail


@needs_tools
def test_text_table_marks_disagreements(table: ClientMatrix) -> None:
    """In plain text a disagreement row starts with '!' and is explained below."""
    text = str(table)
    assert "! no-san " in text and "no-san: accepted by openssl" in text


def test_text_table_has_a_header_and_a_line_per_case(table: ClientMatrix) -> None:
    """The first lines are a header naming the clients, then one per case."""
    lines = str(table).splitlines()
    assert lines[0].split() == ["case", *table.clients]
    assert [line.split()[-len(table.clients) - 1] for line in lines[1:5]] == CASES


@needs_tools
def test_html_outlines_disagreements(table: ClientMatrix) -> None:
    """In Jupyter the table outlines each disagreement row."""
    assert table._repr_html_().count("outline:2px") == 2


def test_html_has_a_row_per_case(table: ClientMatrix) -> None:
    """The HTML table has a header row and a row per case."""
    assert table._repr_html_().count("<tr") == len(CASES) + 1


def test_no_server_is_left_running(table: ClientMatrix) -> None:
    """Every server the matrix started has been stopped."""
    names = [str(s.name) for s in tlslab.running_servers()]
    assert not [n for n in names if n.startswith("tlslab-scenario-")]


def test_a_subset_of_clients() -> None:
    """clients= picks the columns; the others are not run."""
    only = tlslab.client_matrix(["good"], clients=["ssl"])
    assert only.clients == ("ssl",) and only.verdict("good", "ssl").accepted


def test_unknown_client_is_refused() -> None:
    """A client the matrix does not know is named, with the known ones."""
    with pytest.raises(tlslab.InvalidArgument, match=r"'wget' is not a client"):
        tlslab.client_matrix(["good"], clients=["wget"])


def test_unknown_case_lookup_lists_the_cases(table: ClientMatrix) -> None:
    """Looking up a case the matrix did not run says which ones it has."""
    with pytest.raises(KeyError, match=r"no case named 'expired'; it has good"):
        table.row("expired")


def test_missing_tool_shows_as_unavailable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A client whose tool is not on PATH is unavailable, not a failure."""
    monkeypatch.setenv("PATH", str(tmp_path))
    only = tlslab.client_matrix(["good"], clients=["curl"])
    assert only.verdict("good", "curl").outcome == "unavailable"
