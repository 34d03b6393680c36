"""Start `bland-sms-mock serve` as a real process, for the tests of every folder."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CLI = str(Path(sys.executable).with_name("bland-sms-mock"))


def start_serve(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    """Start `bland-sms-mock serve` on a free loopback port; return the process, its URL and its start banner."""
    process = subprocess.Popen(
        [CLI, "serve", "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    banner = ""
    while "Press Ctrl-C" not in banner:
        line = process.stdout.readline()
        if not line:
            process.kill()
            raise AssertionError(f"serve did not start: {banner}")
        banner += line
    match = re.search(r"listening on (http://[\d.]+:\d+)", banner)
    assert match, banner
    return process, match.group(1), banner
