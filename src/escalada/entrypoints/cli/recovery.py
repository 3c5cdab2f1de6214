"""`escalada recovery ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="recovery", no_args_is_help=True)
