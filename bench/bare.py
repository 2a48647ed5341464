"""The bare baselines: a Flask app with a hello endpoint and a one-INSERT endpoint.

Served by gunicorn with the production `gunicorn.conf.py` (bench.stack.running_bare), against a
throwaway table in the product's own bench database, so the product's figures can be read as a
share of what Flask, gunicorn and PostgreSQL alone manage on this machine in the same minute.
"""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert

TABLE = Table(
    "bench_bare_insert",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("note", String(40), nullable=False),
)


def create_table(db_url: str) -> None:
    """Create the throwaway table once, before any gunicorn worker starts."""
    engine = create_engine(db_url)
    TABLE.metadata.create_all(engine)
    engine.dispose()


def create_app() -> Flask:
    """The bare app; its database is BENCH_BARE_DATABASE_URL."""
    app = Flask("bench_bare")
    # The product's pool size in the bench (bench.stack: DB_POOL_SIZE 6) without its overflow:
    # four processes at most 24 connections, leaving room under the test server's
    # max_connections (100) for the product, which runs beside this app.
    engine = create_engine(
        os.environ["BENCH_BARE_DATABASE_URL"], pool_size=6, max_overflow=0, pool_pre_ping=True
    )

    @app.get("/hello")
    def hello() -> str:
        return "Hello, world!"

    @app.post("/insert")
    def insert_one() -> str:
        with engine.begin() as conn:
            conn.execute(insert(TABLE).values(note="one row"))
        return "inserted"

    return app
