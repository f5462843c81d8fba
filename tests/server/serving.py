"""`restorative serve` in a process of its own on loopback, for the load test and the benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def users_file(folder: Path, people: dict[str, tuple[str, str]]) -> Path:
    """A token table of `people` (name: (actor kind, actor id)); each token is ``token-<name>``."""
    lines = []
    for name, (kind, actor_id) in people.items():
        lines += [
            "[[user]]",
            f'name = "{name}"',
            f'token = "token-{name}"',
            f'actor = {{ id = "{actor_id}", kind = "{kind}" }}',
            "",
        ]
    path = folder / "users.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@contextmanager
def served(db: str, users: Path, *, timeout: float = 30) -> Iterator[str]:
    """Run ``restorative serve --db DB --users USERS`` on a free port; its base URL, until the block ends."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "restorative",
            "serve",
            "--db",
            db,
            "--users",
            str(users),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                said = process.stderr.read() if process.stderr else ""
                raise AssertionError(f"restorative serve exited with {process.returncode}: {said}")
            try:
                if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"restorative serve did not answer on {base} within {timeout} s")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        if process.stderr:
            process.stderr.close()
