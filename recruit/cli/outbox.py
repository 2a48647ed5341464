"""`flask --app recruit outbox status` and `outbox retry ID`: the admin page on the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from recruit.extensions import db
from recruit.outbox import status as outbox_status
from recruit.outbox.republish import UnknownOutboxRowError, retry_rows

outbox_cli = AppGroup("outbox", help="Inspect and retry background jobs (the outbox).")

ERROR_WIDTH = 70


@outbox_cli.command("status")
def status() -> None:
    """Print the backlog, the last worker heartbeat, then every failed or stuck job."""
    found = outbox_status.summary()
    counts = ", ".join(f"{name} {count}" for name, count in found.counts.items())
    click.echo(f"Outbox: {counts}")
    age = found.oldest_pending_age_seconds
    click.echo(f"Oldest unsent: {'none' if age is None else f'{age:.0f}s old'}")
    beat, beat_age = found.last_heartbeat, found.heartbeat_age_seconds
    seen = "never"
    if beat is not None and beat_age is not None:
        seen = f"{beat.isoformat(timespec='seconds')} ({beat_age:.0f}s ago)"
    click.echo(f"Last worker heartbeat: {seen}")
    rows = outbox_status.problem_rows()
    db.session.rollback()
    if not rows:
        click.echo("No failed or stuck jobs.")
        return
    click.echo(f"{len(rows)} failed or stuck:")
    click.echo(f"{'id':>8}  {'status':<8} {'tries':>5}  {'template':<22} {'recipient':<32} error")
    for row in rows:
        error = " ".join((row.last_error or "").split())[:ERROR_WIDTH]
        click.echo(
            f"{row.id:>8}  {row.status.value:<8} {row.attempts:>5}  "
            f"{row.template:<22} {row.recipient:<32} {error}"
        )


@outbox_cli.command("retry")
@click.argument("outbox_ids", type=int, nargs=-1, required=True)
def retry(outbox_ids: tuple[int, ...]) -> None:
    """Put failed or stuck jobs back in the queue and hand them to the broker."""
    try:
        report = retry_rows(list(outbox_ids))
    except UnknownOutboxRowError as exc:
        raise click.ClickException(str(exc)) from exc
    for outbox_id in report.refused:
        click.echo(f"{outbox_id}: not retried (sent, or being sent now)")
    for outbox_id in report.queued:
        click.echo(f"{outbox_id}: queued again")
    if report.broker_missed:
        click.echo("The broker did not answer; the sweep will hand the rest over.")
