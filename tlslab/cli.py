"""The ``tlslab`` command: ``tlslab doctor`` checks a machine for the lessons.

Also reachable as ``python -m tlslab``. The command prints; the library does not.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .doctor import check_setup, environment

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tlslab",
        description="A hands-on lab for TLS certificates in Jupyter.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    doctor = commands.add_parser(
        "doctor",
        help="check this machine before a workshop and say what to fix",
        description=(
            "Check versions, OpenSSL, the openssl and curl tools, that a "
            "greeting server starts and answers on loopback, and that Jupyter "
            "widgets are installed. Exits 1 if anything must be fixed."
        ),
    )
    doctor.add_argument(
        "--no-network",
        action="store_true",
        help="skip starting a server on 127.0.0.1",
    )
    commands.add_parser("version", help="print the versions the lessons depend on")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``tlslab`` command line; returns the exit status.

    Args:
        argv: The arguments after the program name (``sys.argv[1:]`` if None).
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "doctor":
        print(environment())
        print()
        report = check_setup(network=not args.no_network)
        print(report)
        return 0 if report.ok else 1
    if args.command == "version":
        print(environment())
        return 0
    parser.print_help()
    return 2
