"""Starting the checking page: a private temporary folder, the waitress server, and where learners find it."""
from __future__ import annotations

import shutil
import signal
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .app import create_app

REQUEST_LIMIT = 64 * 2**20  # waitress refuses bodies past this; below it the page explains the 60 MB limit


@contextmanager
def checking_server(names, gradebook, token, host: str, port: int, threads: int, *, on_result, marking,
                    exam: bool = False):
    """The checking page bound to host:port, ready to `run()`.

    Uploads, waitress's buffers and LibreOffice's copies all go to one temporary folder, removed when the
    block ends, on Ctrl-C and on `kill` (SIGTERM) too.
    """
    temp_dir = Path(tempfile.mkdtemp(prefix="matchbox-serve-"))
    previous, tempfile.tempdir = tempfile.tempdir, str(temp_dir)
    try:
        app = create_app(names, gradebook, token, temp_dir, on_result=on_result, marking=marking, exam=exam)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # SystemExit unwinds to the `finally` below
        yield serve_app(app, host, port, threads)
    finally:
        tempfile.tempdir = previous
        shutil.rmtree(temp_dir, ignore_errors=True)


def serve_app(app, host: str, port: int, threads: int = 8):
    """A waitress server for `app`, bound and ready to `run()`; `effective_port` says where it listens."""
    import waitress
    return waitress.create_server(app, host=host, port=port, threads=threads, ident="matchbox",
                                  max_request_body_size=REQUEST_LIMIT, clear_untrusted_proxy_headers=True,
                                  channel_timeout=60)


def is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def server_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host == "::" else host
    return f"http://[{shown}]:{port}" if ":" in shown and not shown.startswith("[") else f"http://{shown}:{port}"


def lan_addresses() -> list[str]:
    """This computer's address on the network the default route uses (no packet is sent)."""
    import socket
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            address = s.getsockname()[0]
    except OSError:
        return []
    return [] if address.startswith("127.") else [address]
