"""Running the CLI on a pseudo-terminal, to see what its progress draws."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios


def on_a_terminal(*args: str, columns: int = 80) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal ``columns`` wide (as `make report` in a shell):
    its exit code, its stdout, and the text the terminal received with control sequences removed."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    with subprocess.Popen(
        [sys.executable, "-m", "aibridge_analytics", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns)},
    ) as proc:
        os.close(follower)
        received = b""
        while True:
            ready, _, _ = select.select([leader], [], [], 300)
            assert ready, "no output from the CLI for five minutes"
            try:
                chunk = os.read(leader, 1 << 16)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not chunk:
                break
            received += chunk
        os.close(leader)
        assert proc.stdout is not None
        stdout = proc.stdout.read().decode()
        code = proc.wait(timeout=60)
    # Colours go; cursor moves (a redraw of the line) become line ends, as on paper.
    text = re.sub(r"\x1b\[[0-9;]*m", "", received.decode())
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "\n", text).replace("\r", "\n")
    return code, stdout, text
