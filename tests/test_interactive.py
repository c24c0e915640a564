"""``scaffold new`` with a terminal attached asks Copier's questions and takes typed answers."""

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import yaml

SCAFFOLD = str(Path(sys.executable).parent / "scaffold")
PROMPT = "🎤".encode()


def test_new_prompts_in_a_terminal_and_uses_the_typed_answer(tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(
        [SCAFFOLD, "new", str(tmp_path / "typed"), "--no-demo-data"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={**os.environ, "TERM": "xterm"},
        close_fds=True,
    )
    os.close(terminal)
    screen, answered, deadline = b"", 0, time.monotonic() + 90
    while process.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.2)
        if ready:
            try:
                screen += os.read(controller, 65536)
            except OSError:
                break
        prompts = screen.count(PROMPT)
        if prompts > answered:
            # The task comes first, then the project name: clear its default (Ctrl-U), type one.
            os.write(controller, b"\x15Typed Project\r" if answered == 1 else b"\r")
            answered = prompts
    process.wait(timeout=30)
    os.close(controller)
    assert process.returncode == 0, screen.decode(errors="replace")[-2000:]
    assert answered > 10  # every question was asked
    recorded = yaml.safe_load((tmp_path / "typed" / ".copier-answers.yml").read_text())
    assert recorded["project_name"] == "Typed Project"
    assert recorded["package_name"] == "typed_project"
