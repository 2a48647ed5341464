"""The export's cells computed by PostgreSQL, made inert in SQL exactly as safety.py does it.

On PostgreSQL the database builds each CSV line (streamed by COPY) and each XLSX row (streamed
through a server-side cursor), so the worker does no per-cell work beyond writing. Every text cell
goes through `sql_neutralise` or `sql_csv_text`, the SQL twins of `safety.neutralise` and
`safety.csv_text`; tests compare this path with the Python one byte for byte on hostile data.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import (
    Float,
    Integer,
    Numeric,
    Select,
    Subquery,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from recruit.exports import rows
from recruit.exports.safety import (
    CONTROL_CHARS,
    FORMULA_TRIGGERS,
    PIECE_SEPARATORS,
    PIECE_TRIGGERS,
    TRUNCATED,
    XLSX_CELL_LIMIT,
    bracket,
    csv_text,
    xlsx_text,
)
from recruit.formatting import UK
from recruit.models import (
    Application,
    ApplicationStatus,
    Criterion,
    CriterionEvidence,
    CriterionKind,
    StatusChange,
    User,
    Vacancy,
)
from recruit.models.sift import AgreedScore, Score
from recruit.services.scoring import MAX_SCORE, MEETS
from recruit.taxonomy import STAFF_LABELS

# safety._CONTROL; PostgreSQL text can never hold \x00, nor can this pattern.
CONTROL: Final = bracket(CONTROL_CHARS.replace("\x00", ""))
# safety._PIECE_START in PostgreSQL's regex dialect, with the characters themselves (no escapes
# to be read twice); `$` is the end of the string, as \Z is in Python, without the 'n' flag.
PIECE_START: Final = f"({bracket(PIECE_SEPARATORS)})(?={bracket(PIECE_TRIGGERS)}|$)"
DATE_FORMAT: Final = "DD/MM/YYYY HH24:MI"  # writers._when's "%d/%m/%Y %H:%M"


def _text(expr: Any) -> ColumnElement[str]:
    return func.coalesce(expr, literal("", Text), type_=Text)


def sql_strip(expr: Any) -> ColumnElement[str]:
    """The first half of safety.neutralise: None as empty text, control characters dropped."""
    return func.regexp_replace(_text(expr), CONTROL, "", "g", type_=Text)


def sql_lead(stripped: Any) -> ColumnElement[str]:
    """The second half: a formula trigger at the start made text with an apostrophe."""
    return case(
        (func.left(stripped, 1).in_(FORMULA_TRIGGERS), func.concat("'", stripped)),
        else_=stripped,
    )


def sql_neutralise(expr: Any) -> ColumnElement[str]:
    """safety.neutralise in SQL."""
    return sql_lead(sql_strip(expr))


def csv_pieces(neutralised: Any) -> ColumnElement[str]:
    """The rest of safety.csv_text: every `;`- or line-separated piece made inert as well."""
    return func.regexp_replace(neutralised, PIECE_START, "\\1'", "g", type_=Text)


def sql_csv_text(expr: Any) -> ColumnElement[str]:
    """safety.csv_text in SQL."""
    return csv_pieces(sql_neutralise(expr))


def xlsx_cut(stripped: Any) -> ColumnElement[str]:
    """safety.xlsx_text of already stripped text: neutralised, then cut to what a cell holds."""
    # Only text this long can need cutting, so the common case works out the lead once.
    text = sql_lead(stripped)
    keep = XLSX_CELL_LIMIT - len(TRUNCATED)
    cut = case(
        (func.length(text) > XLSX_CELL_LIMIT, func.concat(func.left(text, keep), TRUNCATED)),
        else_=text,
    )
    return case((func.length(stripped) >= XLSX_CELL_LIMIT, cut), else_=text)


def sql_xlsx_text(expr: Any) -> ColumnElement[str]:
    """safety.xlsx_text in SQL."""
    return xlsx_cut(sql_strip(expr))


def quoted(text: ColumnElement[str]) -> ColumnElement[str]:
    """A CSV text field as the csv module's excel dialect writes it: quoted, quotes doubled."""
    return func.concat('"', func.replace(text, '"', '""'), '"')


def _rounded_down_ties() -> list[Decimal]:
    # Python rounds a float, half to even on its exact binary value; PostgreSQL rounds a decimal
    # half away from zero. They differ only where the mean is exactly a tie (x.xx5): an average of
    # integers is otherwise at least 1/(200 n) from a tie, far beyond float error. Ties within the
    # score range are few, so those Python rounds down are listed here once.
    ties = (Decimal(m) / 200 for m in range(1, 200 * MAX_SCORE, 2))
    return [t for t in ties if Decimal(repr(round(float(t), 2))) < t]


ROUNDED_DOWN_TIES: Final = _rounded_down_ties()


def python_round(mean: Any) -> ColumnElement[Any]:
    """round(float(mean), 2) as Python gives it, as an exact two-decimal numeric."""
    return func.round(mean, 2) - case((mean.in_(ROUNDED_DOWN_TIES), Decimal("0.01")), else_=0)


def _pivot(model: Any, value: Any, conditions: Any, ids: list[int], name: str) -> Subquery:
    # One row per application, one column per criterion: the statement text does not grow with
    # the export and PostgreSQL aggregates in a single pass.
    aggregate = func.avg if model is Score else func.max
    query = select(
        model.application_id.label("app_id"),
        *[
            aggregate(value).filter(model.criterion_id == cid).label(f"c{i}")
            for i, cid in enumerate(ids)
        ],
    ).join(Application, Application.id == model.application_id)
    if model is Score:
        query = query.where(Score.submitted_at.is_not(None))
    return query.where(*conditions).group_by(model.application_id).subquery(name)


def facts(vacancy_id: int, selection: dict[str, Any], criteria: Sequence[Criterion]) -> Subquery:
    """Per application, in id order: stripped texts, dates, rounded means and agreed scores."""
    conditions = rows.scope(vacancy_id, selection)
    ids = [c.id for c in criteria]
    scored = _pivot(Score, Score.score, conditions, ids, "scored")
    agreed = _pivot(AgreedScore, AgreedScore.score, conditions, ids, "agreed")
    identified = rows.identified_expr()
    last_moved = (
        select(func.max(StatusChange.changed_at))
        .where(StatusChange.application_id == Application.id)
        .scalar_subquery()
    )
    number = _text(Application.candidate_number)
    columns: list[Any] = [
        Application.id.label("id"),
        sql_strip(
            case((identified, User.full_name), else_=func.concat("Candidate ", number))
        ).label("identity"),
        sql_strip(number).label("number"),
        sql_strip(case((identified, User.email), else_="")).label("email"),
        Application.status.label("status"),
        # Digits, `/`, space and `:` only: nothing for the neutralisers to change.
        func.to_char(func.timezone(UK.key, Application.submitted_at), DATE_FORMAT).label("sent"),
        func.to_char(func.timezone(UK.key, last_moved), DATE_FORMAT).label("moved"),
    ]
    query = (
        select()
        .select_from(Application)
        .join(User, User.id == Application.candidate_id)
        .join(Vacancy, Vacancy.id == Application.vacancy_id)
        .outerjoin(scored, scored.c.app_id == Application.id)
        .outerjoin(agreed, agreed.c.app_id == Application.id)
    )
    for i in range(len(criteria)):
        columns.append(python_round(scored.c[f"c{i}"]).label(f"mean{i}"))
        columns.append(agreed.c[f"c{i}"].label(f"agreed{i}"))
    # OFFSET 0 keeps PostgreSQL from merging this into the outer query, which would work out
    # each fact (subplans included) once per mention in the cell expressions, not once per row.
    # Sorting here sorts these narrow rows; the outer queries keep the order without a sort.
    query = query.add_columns(*columns).where(*conditions)
    return query.order_by(Application.id).offset(0).subquery("facts")


def with_evidence(f: Subquery, criteria: Sequence[Criterion]) -> Subquery:
    """`facts` with each criterion's evidence, stripped, looked up row by row in id order."""
    texts = [
        sql_strip(
            select(CriterionEvidence.text)
            .where(
                CriterionEvidence.application_id == f.c.id,
                CriterionEvidence.criterion_id == criterion.id,
            )
            .scalar_subquery()
        ).label(f"evidence{i}")
        for i, criterion in enumerate(criteria)
    ]
    return select(f, *texts).order_by(f.c.id).offset(0).subquery("facts_ev")


def stage(f: Subquery, neutralise: Any) -> ColumnElement[str]:
    """The stage's staff label, made inert by `neutralise` here in Python (a fixed vocabulary)."""
    labels = [(f.c.status == ApplicationStatus(k), neutralise(v)) for k, v in STAFF_LABELS.items()]
    return case(*labels, else_=neutralise(""))


def _effective(f: Subquery, i: int) -> ColumnElement[Any]:
    # CriterionScore.effective: the agreed score if recorded, else the (rounded) mean.
    return func.coalesce(cast(f.c[f"agreed{i}"], Numeric), cast(f.c[f"mean{i}"], Numeric))


def total_and_verdict(
    f: Subquery, criteria: Sequence[Criterion], neutralise: Any
) -> tuple[ColumnElement[Any], ColumnElement[str]]:
    """ExportRow.total (exact: a sum of two-decimal numbers) and the essential-criteria verdict,
    its words made inert by `neutralise` here in Python."""
    effective = [_effective(f, i) for i in range(len(criteria))]
    total: ColumnElement[Any] = null()
    if effective:
        total = case(
            (and_(*[e.is_(None) for e in effective]), null()),
            else_=sum((func.coalesce(e, 0) for e in effective[1:]), func.coalesce(effective[0], 0)),
        )
    essential = [
        e for e, c in zip(effective, criteria, strict=True) if c.kind is CriterionKind.ESSENTIAL
    ]
    if not essential:
        return total, literal(neutralise("Not yet scored"), Text)
    verdict = case(
        (or_(*[e.is_(None) for e in essential]), neutralise("Not yet scored")),
        (and_(*[e >= MEETS for e in essential]), neutralise("Yes")),
        else_=neutralise("No"),
    )
    return total, verdict


def _shown_number(expr: ColumnElement[Any]) -> ColumnElement[str]:
    # repr() of the float a two-decimal number becomes: 7.50 -> "7.5", 7.00 -> "7.0".
    trimmed = cast(func.trim_scale(expr), Text)
    return case(
        (expr.is_(None), '""'),
        (func.strpos(trimmed, ".") > 0, trimmed),
        else_=func.concat(trimmed, ".0"),
    )


def csv_lines(f: Subquery, criteria: Sequence[Criterion]) -> Select[Any]:
    """One column: each application's CSV line (no terminator), in application order."""
    fields = [quoted(csv_pieces(sql_lead(f.c[n]))) for n in ("identity", "number", "email")]
    fields += [quoted(stage(f, csv_text)), quoted(_text(f.c.sent)), quoted(_text(f.c.moved))]
    for i in range(len(criteria)):
        fields.append(_shown_number(f.c[f"mean{i}"]))
        fields.append(func.coalesce(cast(f.c[f"agreed{i}"], Text), '""'))
    total, verdict = total_and_verdict(f, criteria, csv_text)
    fields += [_shown_number(total), quoted(verdict)]
    line = func.concat_ws(",", *fields, type_=Text)
    return select(line).order_by(f.c.id)


def xlsx_cells(f: Subquery, criteria: Sequence[Criterion]) -> Select[Any]:
    """Each application's summary cells, then its evidence cells, in application order.

    `f` is `with_evidence(facts(...))`."""
    cells: list[Any] = [xlsx_cut(f.c[n]) for n in ("identity", "number", "email")]
    cells += [stage(f, xlsx_text), _text(f.c.sent), _text(f.c.moved)]
    for i in range(len(criteria)):
        cells += [cast(f.c[f"mean{i}"], Float), cast(f.c[f"agreed{i}"], Integer)]
    total, verdict = total_and_verdict(f, criteria, xlsx_text)
    cells += [cast(total, Float), verdict]
    cells += [xlsx_cut(f.c[f"evidence{i}"]) for i in range(len(criteria))]
    return select(*cells).order_by(f.c.id)
