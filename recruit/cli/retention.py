"""`flask --app recruit retention plan` (a dry run) and `retention run` (the purge, by hand)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from recruit.extensions import db
from recruit.formatting import uk_datetime
from recruit.models import PurgeReceipt, PurgeTrigger
from recruit.privacy import retention
from recruit.privacy.retention_settings import RECEIPT_LABELS

retention_cli = AppGroup("retention", help="Purge applications whose retention period has ended.")


def _pairs(values: dict[str, int], labels: dict[str, str] | None = None) -> str:
    named = labels or {}
    return ", ".join(
        f"{named.get(name, name.replace('_', ' '))} {count}" for name, count in values.items()
    )


@retention_cli.command("plan")
def plan() -> None:
    """Show what the next purge would remove, per vacancy (counts only); change nothing."""
    plans = retention.plan()
    db.session.rollback()
    if not plans:
        click.echo("Nothing to purge: no closed vacancy is past its retention period.")
        return
    for item in plans:
        click.echo(f"{item.reference}  {item.title}")
        click.echo(f"  retention period ended: {uk_datetime(item.due_at)}")
        click.echo(f"  applications: {item.applications} ({_pairs(item.outcomes)})")
        click.echo(f"  CV files: {item.cv_files}; finished exports: {item.exports}")
        if item.deferred:
            click.echo("  waits: an export of this vacancy is being built; purged on a later run")
    total = sum(item.applications for item in plans)
    vacancies = "vacancy" if len(plans) == 1 else "vacancies"
    click.echo(f"{len(plans)} {vacancies}, {total} applications would be purged.")


def echo_receipt(receipt: PurgeReceipt) -> None:
    """Print one receipt: what was removed, when and why; no personal data."""
    click.echo(f"Receipt {receipt.id}: {receipt.vacancy_reference}  {receipt.vacancy_title}")
    click.echo(f"  run at: {uk_datetime(receipt.run_at)} ({receipt.trigger.value})")
    click.echo(f"  reason: {receipt.reason}")
    click.echo(f"  removed: {_pairs(receipt.counts, dict(RECEIPT_LABELS))}")
    click.echo(f"  outcomes kept as counts: {_pairs(receipt.outcomes)}")


@retention_cli.command("run")
def run() -> None:
    """Purge now what the scheduled job would purge, and print each receipt."""
    receipts = retention.run(PurgeTrigger.COMMAND)
    if not receipts:
        click.echo("Nothing purged: no closed vacancy is past its retention period.")
        return
    for receipt in receipts:
        echo_receipt(receipt)
    db.session.rollback()
