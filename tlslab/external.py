"""Command-line clients for the greeting server: ``openssl s_client``, ``curl``.

They run as subprocesses from the calling thread (no reactor involved), with
the trusted CAs and any client credentials written to a private temporary
folder. Their output is parsed into the same :class:`~tlslab.client.Greeting`
as the Python clients, and their failures into the same
:class:`~tlslab.errors.HandshakeError`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import ToolNotInstalled
from .greeting import ClientFiles, Greeting, Request, client_files, host_port
from .trust import pem_bundle

__all__ = ["fetch", "tool_path"]

_INSTALL = {
    "openssl": "apt-get install openssl (Debian/Ubuntu), brew install openssl (macOS)",
    "curl": "apt-get install curl (Debian/Ubuntu), brew install curl (macOS)",
}
_OPENSSL_ERROR = re.compile(r"error:[0-9A-F]+:SSL routines:[^:]*:([^:\n]+)")
_VERIFY_ERROR = re.compile(r"verify error:num=(\d+):(.*)")


def tool_path(tool: str) -> str:
    """Where ``tool`` is installed.

    Raises:
        ToolNotInstalled: it is not on PATH.
    """
    found = shutil.which(tool)
    if found is None:
        raise ToolNotInstalled(
            f"{tool!r} is not installed (not found on PATH); install it with "
            f"{_INSTALL.get(tool, 'your package manager')}, or pick another "
            "client with via="
        )
    return found


def fetch(req: Request, tool: str) -> Greeting:
    """Fetch the greeting with ``openssl`` or ``curl``. Any thread may call.

    Raises:
        HandshakeError: the connection failed; ``.reason`` says why.
        ToolNotInstalled: the tool is missing.
    """
    program = tool_path(tool)
    with tempfile.TemporaryDirectory(prefix="tlslab-trust-") as folder:
        cafile = None
        if req.trust is not None:
            cafile = str(Path(folder) / "trust.pem")
            Path(cafile).write_bytes(pem_bundle(req.trust))
        with client_files(req.client) as files:
            if tool == "openssl":
                args = _openssl_args(program, req, cafile, files)
            else:
                args = _curl_args(program, req, cafile, files)
            try:
                done = subprocess.run(
                    args,
                    capture_output=True,
                    stdin=subprocess.DEVNULL,
                    timeout=req.timeout + 2,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise req.fail(
                    tool, f"no answer within {req.timeout:g} s", reason="timeout"
                ) from None
    stderr = done.stderr.decode("utf-8", "replace")
    if tool == "openssl":
        return _openssl_result(req, done.returncode, done.stdout, stderr)
    return _curl_result(req, done.returncode, done.stdout, stderr)


def _version_flag(version: str) -> str:
    return "TLSv1" if version == "1.0" else f"TLSv{version}"


def _openssl_args(
    program: str, req: Request, cafile: str | None, files: ClientFiles | None
) -> list[str]:
    args = [program, "s_client", "-connect", req.where, "-brief"]
    args += ["-ign_eof"]
    args += ["-noservername"] if req.is_ip else ["-servername", req.hostname]
    if req.verify:
        args += ["-verify_return_error"]
        args += ["-verify_ip" if req.is_ip else "-verify_hostname", req.hostname]
        if cafile:
            args += ["-CAfile", cafile, "-no-CApath", "-no-CAstore"]
    if req.min_version:
        args += ["-min_protocol", _version_flag(req.min_version)]
    if req.max_version:
        args += ["-max_protocol", _version_flag(req.max_version)]
    if req.legacy and not req.min_version:
        args += ["-min_protocol", "TLSv1"]
    if req.cipher_string:
        args += ["-cipher", req.cipher_string]
    if files is not None:
        args += ["-cert", files.cert, "-key", files.key]
        if files.chain:
            args += ["-cert_chain", files.chain]
    return args


def _openssl_result(req: Request, code: int, stdout: bytes, stderr: str) -> Greeting:
    if "connect:errno=111" in stderr or "Connection refused" in stderr:
        raise req.fail("openssl", "connection refused", reason="refused")
    verify = _VERIFY_ERROR.search(stderr)
    errors = _OPENSSL_ERROR.findall(stderr)
    if verify is not None:
        raise req.fail(
            "openssl",
            f"certificate verify failed: {verify.group(2).strip()}",
            verify_code=int(verify.group(1)),
        )
    if errors or code != 0 or "CONNECTION ESTABLISHED" not in stderr:
        detail = "; ".join(e.strip() for e in errors) or _last_line(stderr)
        raise req.fail("openssl", detail)
    version = _field(stderr, "Protocol version")
    cipher = _field(stderr, "Ciphersuite")
    return req.greeting("openssl", stdout, version, cipher, req.peer_chain())


def _curl_args(
    program: str, req: Request, cafile: str | None, files: ClientFiles | None
) -> list[str]:
    args = [program, "--silent", "--show-error", "--verbose", "--http0.9"]
    args += ["--max-time", f"{req.timeout:g}", "--no-progress-meter"]
    target = host_port(req.hostname, req.port)
    args += ["--connect-to", f"{target}:{req.where}"]
    if not req.verify:
        args += ["--insecure"]
    elif cafile:
        args += ["--cacert", cafile, "--capath", "/nonexistent"]
    if req.min_version:
        args += [f"--tlsv{req.min_version}"]
    if req.max_version:
        args += ["--tls-max", req.max_version]
    if req.legacy and not req.min_version:
        args += ["--tlsv1.0"]
    if req.cipher_string:
        args += ["--ciphers", req.cipher_string]
    if files is not None:
        args += ["--cert", files.fullchain, "--key", files.key]
    return [*args, f"https://{target}/"]


def _curl_result(req: Request, code: int, stdout: bytes, stderr: str) -> Greeting:
    if code == 7:
        raise req.fail("curl", "connection refused", reason="refused")
    if code == 28:
        raise req.fail("curl", _curl_error(stderr), reason="timeout")
    if code in (51, 60):
        detail = _curl_error(stderr)
        if "no alternative certificate subject name" in detail:
            detail += " (hostname mismatch)"
        raise req.fail("curl", f"certificate verify failed: {detail}")
    if code != 0:
        raise req.fail("curl", _curl_error(stderr))
    using = re.search(r"SSL connection using (\S+) / (\S+)", stderr)
    version, cipher = using.groups() if using else (None, None)
    return req.greeting("curl", stdout, version, cipher, req.peer_chain())


def _curl_error(stderr: str) -> str:
    found = re.search(r"curl: \(\d+\) (.*)", stderr)
    if found is None:
        return _last_line(stderr)
    text = found.group(1)
    ssl_reason = _OPENSSL_ERROR.search(text)
    return f"{text} ({ssl_reason.group(1)})" if ssl_reason else text


def _field(stderr: str, name: str) -> str | None:
    found = re.search(rf"^{re.escape(name)}: (.*)$", stderr, re.MULTILINE)
    return found.group(1).strip() if found else None


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
