"""Flask CLI commands: create-user, seed-demo. Each command owns its transaction."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from recruit.cli.outbox import outbox_cli
from recruit.cli.retention import retention_cli
from recruit.extensions import db
from recruit.models import Role
from recruit.passwords import password_problem
from recruit.services import accounts


def register_cli(app: Flask) -> None:
    """Attach the project's commands to `flask --app recruit`."""
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(retention_cli)


@click.command("create-user")
@click.option("--email", required=True, help="Email address the user logs in with.")
@click.option(
    "--role", type=click.Choice(["recruiter", "admin", "panel", "equality"]), required=True
)
@click.option(
    "--name", "full_name", default="", help="Full name (defaults to the email's local part)."
)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_user(email: str, role: str, full_name: str, password: str) -> None:
    """Create a verified staff account (recruiter, admin or panel member)."""
    problem = password_problem(password, full_name, email)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    name = full_name or email.split("@", 1)[0].replace(".", " ").title()
    try:
        user = accounts.create_staff_user(email, name, Role(role), password)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {role} {user.email} (id {user.id}).")


@click.command("seed-demo")
@click.option(
    "--recruiter-password",
    envvar="DEMO_PASSWORD",
    default=None,
    help="The demo recruiter's password (or DEMO_PASSWORD). Default: the one kept in the "
    "instance folder, else a new random one.",
)
@click.option(
    "--force-in-production",
    is_flag=True,
    help="Load the demo data even though RECRUIT_ENV is production.",
)
@with_appcontext
def seed_demo(recruiter_password: str | None, force_in_production: bool) -> None:
    """Load the demo vacancies and a demo recruiter; safe to run more than once."""
    from recruit.cli.demo import (
        DEMO_RECRUITER_EMAIL,
        PASSWORD_FILE_NAME,
        choose_password,
        load_demo,
        write_password_file,
    )

    production = current_app.config["ENV"] == "production"
    if production and not force_in_production:
        # A known account with a printed password has no place on a live service (ASVS 6.3.2).
        raise click.ClickException(
            "Refusing to load demo data into production (RECRUIT_ENV=production): it creates "
            "a recruiter account. Add --force-in-production if you really mean to."
        )
    kept_in = Path(current_app.instance_path) / PASSWORD_FILE_NAME
    try:
        password = choose_password(recruiter_password, kept_in)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--recruiter-password") from exc
    created = load_demo(password)
    db.session.commit()
    click.echo(f"Demo data ready: {created} new vacancies.")
    click.echo(f"Demo recruiter: {DEMO_RECRUITER_EMAIL} / {password}")
    if not production:
        # So the next `make run` prints the same password; production keeps no copy of it.
        write_password_file(kept_in, password)
        click.echo(f"(The password is kept, readable by you only, in {kept_in}.)")
