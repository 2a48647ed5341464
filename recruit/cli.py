"""Flask CLI commands: create-user, seed-demo. Each command owns its transaction."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from recruit.cli_outbox import outbox_cli
from recruit.extensions import db
from recruit.models import Role
from recruit.passwords import password_problem
from recruit.services import accounts


def register_cli(app: Flask) -> None:
    """Attach the project's commands to `flask --app recruit`."""
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(outbox_cli)


@click.command("create-user")
@click.option("--email", required=True, help="Email address the user logs in with.")
@click.option("--role", type=click.Choice(["recruiter", "admin", "panel"]), required=True)
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
@click.option("--recruiter-password", default="midlands-demo-recruiter", show_default=True)
@with_appcontext
def seed_demo(recruiter_password: str) -> None:
    """Load the demo vacancies and a demo recruiter; safe to run more than once."""
    from recruit.demo import DEMO_RECRUITER_EMAIL, load_demo

    created = load_demo(recruiter_password)
    db.session.commit()
    click.echo(f"Demo data ready: {created} new vacancies.")
    click.echo(f"Demo recruiter: {DEMO_RECRUITER_EMAIL} / {recruiter_password}")
