"""`escalada kb`: the knowledge base of past escalations (root causes, post-mortems,
lessons learned), searched in Russian and English."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from escalada.entrypoints.cli.output import Format
from escalada.entrypoints.cli.paging import ALL_OPTION, CURSOR_OPTION, print_pages
from escalada.entrypoints.cli.words import tr

if TYPE_CHECKING:
    from escalada.services.views import KbHit

app = typer.Typer(help="The knowledge base: root causes, post-mortems and lessons learned "
                       "of past escalations, searched in Russian and English.",
                  no_args_is_help=True)


@app.command("search")
def kb_search(
    query: str = typer.Argument(..., help='words to find, in any inflection: "rds failover", '
                                          '"сбой репликации"'),
    lang: str = typer.Option(None, "--lang", help="only entries in ru or en"),
    limit: int = typer.Option(20, "--limit", help="per page, 1 to 100"),
    cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = typer.Option(Format.table, "--format", "-f"),
) -> None:
    """Find past root causes, post-mortems and lessons learned, best match first (a page;
    the next page's --cursor on stderr)."""
    from functools import partial

    from escalada.entrypoints.cli.output import context
    from escalada.services.knowledge_base import kb_page

    print_pages(partial(kb_page, ctx=context(), q=query, lang=lang),
                {"limit": limit, "cursor": cursor}, every=every, fmt=fmt, table=_hits,
                empty=tr("nothing found"))


def _hits(hits: list[KbHit]) -> None:
    from escalada.entrypoints.cli.output import console, when
    from escalada.entrypoints.cli.words import named, tr

    out = console()
    if not hits:
        out.print(tr("nothing found"), markup=False)
        return
    for hit in hits:
        where = ", ".join([*hit.services, *hit.regions])
        out.print(f"{hit.case}  {named(hit.kind)}  {hit.language}  {hit.account}"
                  f"{'  ' + where if where else ''}  {when(hit.published_at)}", markup=False)
        out.print(f"  {hit.title}", markup=False)
        out.print(f"  {hit.excerpt}", markup=False)


@app.command("reindex")
def kb_reindex() -> None:
    """Publish every case's root cause into the knowledge base again (those entered
    before it existed among them) and index every entry again."""
    from escalada.entrypoints.cli.output import actor, console, context
    from escalada.entrypoints.cli.words import ntr
    from escalada.services.knowledge_base import reindex

    count = reindex(ctx=context(), actor=actor())
    console().print(ntr("{count} entry indexed", "{count} entries indexed", count),
                    markup=False)
