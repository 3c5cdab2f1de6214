"""`escalada war-rooms ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="war rooms", no_args_is_help=True)
