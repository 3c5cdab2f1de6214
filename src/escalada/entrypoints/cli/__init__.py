"""The `escalada` command line (Typer + Rich); heavy modules load per command."""

from escalada.entrypoints.cli.app import app, main

__all__ = ["app", "main"]
