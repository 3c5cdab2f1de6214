"""`escalada report CASE`: the escalation report as Markdown, HTML or PDF."""

from __future__ import annotations

import typer


def report(
    case_id: str = typer.Argument(..., help="case id, e.g. CASE-1042"),
    lang: str = typer.Option(None, "--lang",
                             help="ru or en (default: the account's language; Russian for "
                                  "Russian-language accounts)"),
    fmt: str = typer.Option("md", "--format", "-f", help="md, html or pdf"),
    output: str = typer.Option(None, "--output", "-o",
                               help="write it to this file (default: standard output)"),
) -> None:
    """The escalation report: summary, timeline, root cause, impact, resolution plan,
    communication log, lessons learned and recovery plan (HTML and PDF with a chart)."""
    import sys
    from pathlib import Path

    from escalada.entrypoints.cli.output import actor, console, context
    from escalada.services.report import escalation_report

    rendered = escalation_report(ctx=context(), actor=actor(), case_id=case_id,
                                 language=lang, fmt=fmt)
    if output is None:
        sys.stdout.buffer.write(rendered.content)
        sys.stdout.flush()
        return
    from escalada.entrypoints.cli.words import ntr, number

    Path(output).write_bytes(rendered.content)
    size = len(rendered.content)
    console(stderr=True).print(ntr("wrote {path} ({size} byte, {lang})",
                                   "wrote {path} ({size} bytes, {lang})", size, path=output,
                                   size=number(size), lang=rendered.language), markup=False)
