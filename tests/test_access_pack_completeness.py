"""The subject access pack covers every table that refers to a person or their applications.

The models are introspected: a column that is a foreign key to `users.id` or `applications.id`
(or the audit trail's plain `application_id`, or a monitoring pseudonym) must be accounted for
in `recruit.privacy.access_pack.REGISTRY`, or its table listed in `EXCLUDED` with a reason. So a
new table fails here until someone decides where it goes in the pack. Then a person with a row
in every covered table gets a real pack, read back from its ZIP, and every row is in it.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import Table

from recruit.extensions import db
from recruit.models import Base, User
from recruit.monitoring.questions import QUESTIONS
from recruit.privacy.access_pack import EXCLUDED, REGISTRY, WITHHELD
from recruit.privacy.pack_file import write_pack
from testkit.factories import Factory
from tests.support.privacy import (
    HOSTILE_NAME,
    MARKED_SECTIONS,
    STAFF_SECTIONS,
    Pack,
    fill_everything,
    open_pack,
)

# Plain integer columns that name a person or an application without a foreign key (so that
# they outlive a purge): they count as references too.
PLAIN_REFERENCES = {("audit_events", "application_id"), ("audit_events", "subject_user_id")}


def references(table: Table) -> set[str]:
    """The columns of `table` that refer to a user or an application."""
    found = {
        column.name
        for column in table.columns
        for key in column.foreign_keys
        if key.target_fullname in ("users.id", "applications.id")
    }
    found |= {c for t, c in PLAIN_REFERENCES if t == table.name}
    if "pseudonym" in table.columns:  # the monitoring answers' keyed link to an application
        found.add("pseudonym")
    return found


def test_every_table_that_refers_to_a_person_is_covered_or_excluded() -> None:
    uncovered = []
    for table in Base.metadata.sorted_tables:
        refs = references(table)
        if not refs and table.name != "users":
            continue
        if table.name in EXCLUDED:
            assert EXCLUDED[table.name].strip(), f"{table.name} is excluded without a reason"
            continue
        section = REGISTRY.get(table.name)
        if section is None:
            uncovered.append(f"{table.name} ({', '.join(sorted(refs))})")
            continue
        accounted = set(section.links) | set(section.others)
        if section.found_by:
            accounted |= refs  # found by address or pseudonym, not by an id column
        missing = refs - accounted
        assert not missing, f"{table.name}: columns {sorted(missing)} are not in its Section"
    assert not uncovered, (
        "tables that refer to a user or an application but are not in the access pack "
        "(add them to recruit.privacy.access_pack.REGISTRY, or to EXCLUDED with a reason): "
        + "; ".join(uncovered)
    )


def test_the_registry_names_only_real_tables_and_columns() -> None:
    tables = Base.metadata.tables
    for name, section in REGISTRY.items():
        assert name in tables, f"REGISTRY names a table that does not exist: {name}"
        columns = set(tables[name].columns.keys())
        named = set(section.links) | set(section.others) | set(section.omit)
        assert named <= columns, f"{name}: no such columns {sorted(named - columns)}"
        for column in section.omit:
            assert f"{name}.{column}" in WITHHELD, f"{name}.{column} is withheld without a reason"
    names = [s.name for s in REGISTRY.values()]
    assert len(names) == len(set(names)), "two tables share a section"
    assert not set(EXCLUDED) & set(REGISTRY)


def build(app: Flask, user_id: int, tmp_path: Path) -> Pack:
    """The real pack for a user, written as the worker writes it and read back from the ZIP."""
    target = tmp_path / f"pack-{user_id}.zip"
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        write_pack(user, target)
        db.session.rollback()
    return open_pack(target.read_bytes())


def test_a_row_in_every_covered_table_appears_in_the_pack(
    app: Flask, make: Factory, tmp_path: Path
) -> None:
    world = fill_everything(app, make)
    mine = build(app, world.candidate.id, tmp_path)
    staff = build(app, world.recruiter.id, tmp_path)
    sections = {s.name for s in REGISTRY.values()}
    assert set(mine.data) == sections | {"about"}
    empty = sorted(s for s in sections - STAFF_SECTIONS if not mine.data[s])
    assert not empty, f"sections with no rows for the candidate: {empty}"
    empty = sorted(s for s in STAFF_SECTIONS if not staff.data[s])
    assert not empty, f"sections with no rows for the recruiter: {empty}"
    for marker, section in MARKED_SECTIONS.items():
        assert world.markers[marker] in repr(mine.data[section]), f"{marker} not in {section}"
    assert mine.data["account"][0]["full_name"] == HOSTILE_NAME
    assert [a["id"] for a in mine.data["applications"]] == [world.application_id]
    (answers,) = mine.data["monitoring_answers"]
    first = QUESTIONS[0]
    assert answers["answers"] == {first.slug: first.options[0][0], "x": world.markers["monitoring"]}
    assert answers["answers_in_words"][first.text] == first.options[0][1]
    assert answers["application_id"] == world.application_id and "pseudonym" not in answers
    # The CV's bytes are in the ZIP, under a safe name the JSON points to.
    (cv_row,) = mine.data["files"]
    assert cv_row["in_pack"] in mine.files and "/" not in cv_row["in_pack"][len("files/") :]
    assert mine.files[cv_row["in_pack"]] == world.cv
    # The email we sent is there, but not the link with its live token.
    (email,) = mine.data["emails"]
    assert email["subject"] == "Confirm your email address" and "verify_url" not in email["content"]


def test_the_pack_withholds_secrets_other_people_and_escapes_the_summary(
    app: Flask, make: Factory, tmp_path: Path
) -> None:
    world = fill_everything(app, make)
    mine = build(app, world.candidate.id, tmp_path)
    text = mine.raw.decode("latin-1") + mine.text + mine.summary
    for secret in world.secrets:
        assert secret not in text, "a secret is in the pack"
    for someone_else in (world.recruiter, world.bystander):
        assert someone_else.full_name not in text and someone_else.email not in text
    assert "not-theirs" not in text, "another candidate's monitoring answers are in the pack"
    assert all(s["assessor_id"] == "a member of staff" for s in mine.data["scores"])
    by_staff = [c for c in mine.data["status_history"] if c["note"] == world.markers["history"]]
    assert by_staff and by_staff[0]["changed_by_id"] == "a member of staff"
    # The summary is readable HTML in which nothing a person typed can run.
    assert "<script>" not in mine.summary
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in mine.summary
    assert world.markers["statement"] in mine.summary
    assert "Your equal-opportunities monitoring answers" in mine.summary
