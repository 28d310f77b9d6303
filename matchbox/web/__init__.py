"""`matchbox serve`: the checker as a page in the workshop room's browsers (Flask, served by waitress)."""
from __future__ import annotations

from .app import create_app

__all__ = ["create_app", "serve_app"]

REQUEST_LIMIT = 64 * 2**20  # waitress refuses bodies past this; below it the page explains the 20 MB limit


def serve_app(app, host: str, port: int, threads: int = 8):
    """A waitress server for `app`, bound and ready to `run()`; `effective_port` says where it listens."""
    import waitress
    return waitress.create_server(app, host=host, port=port, threads=threads, ident="matchbox",
                                  max_request_body_size=REQUEST_LIMIT, clear_untrusted_proxy_headers=True,
                                  channel_timeout=60)
