"""`matchbox serve`: the checker as a page in the workshop room's browsers (Flask, served by waitress).

app.py is the page, records.py the class record, server.py the start-up.
"""
from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
