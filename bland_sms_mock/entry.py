"""The `bland-sms-mock` console script: for `serve`, take SIGINT and SIGTERM before importing anything heavy."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the command line; `serve` first owns the stop signals, so a Ctrl-C at any moment stops it cleanly."""
    if sys.argv[1:2] == ["serve"]:
        from bland_sms_mock.mock_server import stopping

        stopping.install()
    from bland_sms_mock.cli import main as cli

    cli()
