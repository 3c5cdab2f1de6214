"""`escalada db ...`: the database's migrations."""

from __future__ import annotations

import typer

app = typer.Typer(help="The database: migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Run the migrations up to the newest schema."""
    from escalada.adapters.db.database import default_database_url, make_engine, schema_version
    from escalada.adapters.db.database import upgrade as run_upgrade
    from escalada.entrypoints.cli.output import console
    from escalada.entrypoints.cli.words import tr

    engine = make_engine(default_database_url())
    run_upgrade(engine)
    console().print(tr("schema at {version} ({url})", version=schema_version(engine),
                       url=engine.url.render_as_string()))


@app.command("current")
def current() -> None:
    """Print the schema version of the current database."""
    from escalada.adapters.db.database import default_database_url, make_engine, schema_version
    from escalada.entrypoints.cli.output import console
    from escalada.entrypoints.cli.words import tr

    engine = make_engine(default_database_url())
    console().print(schema_version(engine) or tr("empty (run `escalada db upgrade`)"))
