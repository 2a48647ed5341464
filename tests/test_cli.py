"""The flask CLI: create-user, seed-demo, and migrations on both databases."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from click.testing import Result
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, inspect, select

from recruit import create_app
from recruit.cli.demo import DEMO_RECRUITER_EMAIL, PASSWORD_FILE_NAME
from recruit.cli.demo_data import DEMO_EXPIRED_VACANCY
from recruit.extensions import db
from recruit.models import Base, Role, User, Vacancy, VacancyStatus, utcnow
from recruit.passwords import password_problem, verify_password
from tests.conftest import AppFactory
from tests.support.databases import postgres_database


def test_create_user_with_password_option(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Lead@ME.example",
            "--role",
            "admin",
            "--password",
            "an admin passphrase here",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created admin lead@me.example" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "lead@me.example"))
        assert user is not None
        assert user.role is Role.ADMIN and user.is_active
        assert verify_password(user.password_hash, "an admin passphrase here")


def test_create_user_makes_an_equality_monitoring_officer(app: Flask) -> None:
    args = ["create-user", "--email", "eo@me.example", "--role", "equality"]
    result = app.test_cli_runner().invoke(args=[*args, "--password", "an equality passphrase"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "eo@me.example"))
        assert user is not None and user.role is Role.EQUALITY


def test_create_user_prompts_for_the_password(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "--email", "r@me.example", "--role", "recruiter"],
        input="prompted passphrase ok\nprompted passphrase ok\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "r@me.example")) is not None


def test_create_user_refuses_weak_passwords_and_duplicates(app: Flask) -> None:
    runner = app.test_cli_runner()
    weak = runner.invoke(
        args=[
            "create-user",
            "--email",
            "a@me.example",
            "--role",
            "recruiter",
            "--password",
            "short",
        ]
    )
    assert weak.exit_code != 0
    assert "12 characters" in weak.output
    args = [
        "create-user",
        "--email",
        "a@me.example",
        "--role",
        "recruiter",
        "--password",
        "long enough passphrase",
    ]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_seed_demo_loads_open_vacancies_once(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "8 new vacancies" in first.output
    assert "recruiter@midlandsengine.example" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert "0 new vacancies" in second.output
    with app.app_context():
        every = list(db.session.scalars(select(Vacancy)))
        # Besides the eight open ones, one campaign that closed months ago (for the purge demo).
        expired = [v for v in every if v.reference == DEMO_EXPIRED_VACANCY["reference"]]
        assert len(expired) == 1 and expired[0].status is VacancyStatus.CLOSED
        vacancies = [v for v in every if v not in expired]
        assert len(vacancies) == 8
        assert all(v.status is VacancyStatus.PUBLISHED for v in vacancies)
        assert all(v.closes_at > utcnow() for v in vacancies)
        assert all(v.essential_criteria and v.themes for v in vacancies)
        titles = {v.title for v in vacancies}
        assert "Director of Connectivity" in titles
        recruiter = db.session.scalar(
            select(User).where(User.email == "recruiter@midlandsengine.example")
        )
        assert recruiter is not None and recruiter.role is Role.RECRUITER


def _printed_password(result: Result) -> str:
    """The password `seed-demo` printed for the demo recruiter."""
    assert result.exit_code == 0, result.output
    line = rf"^Demo recruiter: {re.escape(DEMO_RECRUITER_EMAIL)} / (.+)$"
    found = re.search(line, result.output, re.MULTILINE)
    assert found is not None, result.output
    return found.group(1)


def _demo_password_works(app: Flask, password: str) -> bool:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == DEMO_RECRUITER_EMAIL))
        assert user is not None
        return verify_password(user.password_hash, password)


def test_seed_demo_generates_a_private_password_and_keeps_it(app: Flask) -> None:
    runner = app.test_cli_runner()
    password = _printed_password(runner.invoke(args=["seed-demo"], env={"DEMO_PASSWORD": ""}))
    assert password != "midlands-demo-recruiter"
    assert password_problem(password, "Priya Shah", DEMO_RECRUITER_EMAIL) is None
    assert _demo_password_works(app, password)
    kept = Path(app.instance_path) / PASSWORD_FILE_NAME
    assert kept.read_text().strip() == password
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    # The next `make run` prints, and the account still takes, the same password.
    again = runner.invoke(args=["seed-demo"])
    assert _printed_password(again) == password
    assert _demo_password_works(app, password)


def test_seed_demo_sets_a_chosen_password_on_an_existing_account(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = _printed_password(runner.invoke(args=["seed-demo"]))
    chosen = "kettle lantern orbit marble"
    result = runner.invoke(args=["seed-demo"], env={"DEMO_PASSWORD": chosen})
    assert _printed_password(result) == chosen
    assert _demo_password_works(app, chosen) and not _demo_password_works(app, first)
    assert (Path(app.instance_path) / PASSWORD_FILE_NAME).read_text().strip() == chosen
    # And with the option, as `flask seed-demo --recruiter-password` documents.
    other = "copper willow harbour sketch"
    result = runner.invoke(args=["seed-demo", "--recruiter-password", other])
    assert _printed_password(result) == other and _demo_password_works(app, other)


def test_seed_demo_refuses_a_password_the_policy_refuses(app: Flask) -> None:
    runner = app.test_cli_runner()
    for weak in ("midlands-demo-recruiter", "midlands lantern orbit kettle"):
        result = runner.invoke(args=["seed-demo", "--recruiter-password", weak])
        assert result.exit_code != 0
        assert "Invalid value for --recruiter-password: Password must not" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_seed_demo_is_refused_in_production_unless_forced(app_factory: AppFactory) -> None:
    app = app_factory(ENV="production")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0
    assert "--force-in-production" in refused.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0
        assert db.session.scalar(select(func.count(Vacancy.id))) == 0
    forced = runner.invoke(args=["seed-demo", "--force-in-production"])
    password = _printed_password(forced)
    assert _demo_password_works(app, password)
    # Production keeps no copy of the password on disk.
    assert not (Path(app.instance_path) / PASSWORD_FILE_NAME).exists()


def _migrated_tables(url: str, tmp_instance: str) -> dict[str, set[str]]:
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tmp_instance, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        db.engine.dispose()  # no pooled connection outlives the test
    engine = create_engine(url)
    inspector = inspect(engine)
    tables = {
        name: {c["name"] for c in inspector.get_columns(name)}
        for name in inspector.get_table_names()
        if name != "alembic_version"
    }
    engine.dispose()
    return tables


def _model_tables() -> dict[str, set[str]]:
    return {t.name: {c.name for c in t.columns} for t in Base.metadata.sorted_tables}


def test_migrations_build_the_model_schema_on_sqlite(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/migrated.sqlite3"
    assert _migrated_tables(url, f"{tmp_path}/inst") == _model_tables()


def test_migrations_build_the_model_schema_on_postgresql(tmp_path: object) -> None:
    with postgres_database() as url:
        assert _migrated_tables(url, f"{tmp_path}/inst") == _model_tables()


def _pending_changes(url: str, tmp_instance: str) -> list[object]:
    """What autogenerate would still write after upgrading: nothing, if migrations match models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    _migrated_tables(url, tmp_instance)
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = list(compare_metadata(context, Base.metadata))
    engine.dispose()
    return diff


def test_no_model_change_lacks_a_migration_on_sqlite(tmp_path: object) -> None:
    assert _pending_changes(f"sqlite:///{tmp_path}/m.sqlite3", f"{tmp_path}/inst") == []


def test_no_model_change_lacks_a_migration_on_postgresql(tmp_path: object) -> None:
    with postgres_database() as url:
        assert _pending_changes(url, f"{tmp_path}/inst") == []


def _sqlite_rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    with engine.begin() as conn:
        result = conn.exec_driver_sql(sql)
        rows = [tuple(row) for row in result] if result.returns_rows else []
    engine.dispose()
    return rows


def test_upgrading_a_sqlite_database_keeps_its_applications_and_never_reuses_an_id(
    tmp_path: object,
) -> None:
    """0002 rebuilds tables on SQLite; a cascade from dropping the old copy would empty them."""
    url = f"sqlite:///{tmp_path}/old.sqlite3"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": f"{tmp_path}/inst", "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0001")
        db.engine.dispose()
    _sqlite_rows(
        url,
        "INSERT INTO users (id, email, full_name, password_hash, role, is_disabled,"
        " session_generation, created_at) VALUES (1, 'a@example.org', 'A', 'x', 'candidate',"
        " 0, 0, '2026-01-01')",
    )
    _sqlite_rows(
        url,
        "INSERT INTO vacancies (id, reference, title, summary, description, location,"
        " salary_band, contract_type, closes_at, status, statement_word_limit, anonymised_sift,"
        " created_at, updated_at) VALUES (1, 'ME-1', 't', 's', 'd', 'l', 'b', 'permanent',"
        " '2027-01-01', 'published', 1000, 0, '2026-01-01', '2026-01-01')",
    )
    _sqlite_rows(
        url,
        "INSERT INTO applications (id, vacancy_id, candidate_id, status, statement, created_at,"
        " updated_at, candidate_number, on_longlist, on_shortlist) VALUES (5, 1, 1, 'submitted',"
        " 'My statement', '2026-01-01', '2026-01-01', 'C-1', 0, 0)",
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()
    assert _sqlite_rows(url, "SELECT id, statement FROM applications") == [(5, "My statement")]
    _sqlite_rows(url, "DELETE FROM applications WHERE id = 5")
    _sqlite_rows(
        url,
        "INSERT INTO applications (vacancy_id, candidate_id, status, statement, created_at,"
        " updated_at, candidate_number, on_longlist, on_shortlist) VALUES (1, 1, 'submitted',"
        " 'Another', '2026-01-02', '2026-01-02', 'C-2', 0, 0)",
    )
    # The purged APP-000005 is never given to someone else.
    assert _sqlite_rows(url, "SELECT id FROM applications") == [(6,)]
