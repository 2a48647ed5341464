"""The panel pack: a ZIP with the XLSX, a PDF of one page per candidate, and the CVs."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Final

from fpdf import FPDF

from recruit.exports.rows import ExportRow, meets_essentials
from recruit.exports.writers import criterion_code
from recruit.models import Criterion, Vacancy
from recruit.services.scoring import label
from recruit.taxonomy import STAFF_LABELS

FONT_CANDIDATES: Final = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)


class PackPDF(FPDF):
    """A4 pages with a Unicode font where the system has one, Helvetica otherwise."""

    def __init__(self, font_path: str | None) -> None:
        super().__init__(format="A4")
        self.set_auto_page_break(auto=True, margin=15)
        self.unicode = False
        if font_path and Path(font_path).exists():
            bold = Path(font_path.replace(".ttf", "-Bold.ttf"))
            self.add_font("Body", "", font_path)
            self.add_font("Body", "B", str(bold) if bold.exists() else font_path)
            self.unicode = True

    def use(self, size: int, bold: bool = False) -> None:
        """Select the body font at `size`."""
        self.set_font("Body" if self.unicode else "Helvetica", "B" if bold else "", size)

    def text_block(self, text: str, size: int = 10, bold: bool = False) -> None:
        """A wrapped paragraph across the page width."""
        self.use(size, bold)
        safe = text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")
        self.multi_cell(0, size * 0.5, safe, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)


def find_font(configured: str | None) -> str | None:
    """The configured TTF, else a DejaVu Sans found on the system, else None."""
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def candidate_page(
    pdf: PackPDF, row: ExportRow, vacancy: Vacancy, criteria: Sequence[Criterion]
) -> None:
    """One candidate: summary, scores per criterion, statement and evidence."""
    pdf.add_page()
    pdf.text_block(f"{vacancy.title} ({vacancy.reference})", 9)
    pdf.text_block(row.identity, 16, bold=True)
    verdict = {True: "Yes", False: "No", None: "Not yet scored"}[meets_essentials(row, criteria)]
    total = "Not yet scored" if row.total is None else f"{row.total:g}"
    pdf.text_block(
        f"Candidate number {row.candidate_number}. Stage: {STAFF_LABELS[row.status]}. "
        f"Total score: {total}. Meets every essential criterion: {verdict}.",
        10,
    )
    for i, (criterion, score, evidence) in enumerate(
        zip(criteria, row.scores, row.evidence, strict=True)
    ):
        code = criterion_code(criterion, i, criteria)
        agreed = "none" if score.agreed is None else f"{score.agreed} ({label(score.agreed)})"
        mean = "none" if score.mean is None else f"{score.mean:g}"
        pdf.text_block(f"{code}: {criterion.text}", 11, bold=True)
        pdf.text_block(f"Mean score {mean}; agreed score {agreed}.", 9)
        pdf.text_block(evidence or "No evidence given.", 10)
    pdf.text_block("Supporting statement", 11, bold=True)
    pdf.text_block(row.statement or "No statement given.", 10)


def write_pdf(
    path: Path,
    rows: Iterable[ExportRow],
    vacancy: Vacancy,
    criteria: Sequence[Criterion],
    font_path: str | None,
    progress: Callable[[int], None] = lambda n: None,
) -> None:
    """The panel's reading copy: a cover page and one page per candidate."""
    pdf = PackPDF(find_font(font_path))
    pdf.set_title(f"Panel pack: {vacancy.title}")
    pdf.add_page()
    pdf.text_block("Midlands Engine Recruitment – panel pack", 18, bold=True)
    pdf.text_block(f"{vacancy.title} ({vacancy.reference})", 12)
    pdf.text_block("Confidential: for the interview panel only. Do not forward.", 10)
    for count, row in enumerate(rows, start=1):
        candidate_page(pdf, row, vacancy, criteria)
        progress(count)
    pdf.output(str(path))


def cv_entry_name(row: ExportRow) -> str:
    """The CV's name inside the ZIP: identity, then the uploaded file's extension."""
    suffix = Path(row.cv_name or "cv.pdf").suffix.lower() or ".pdf"
    safe = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in row.identity).strip()
    return f"CVs/{row.application_id:06d} {safe[:60]}{suffix}"


def write_zip(
    path: Path,
    xlsx: Path,
    pdf: Path,
    rows: Iterable[ExportRow],
    upload_dir: Path,
    progress: Callable[[int], None],
) -> None:
    """Bundle the spreadsheet, the PDF and each identified candidate's CV, streaming files in."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.write(xlsx, "candidates.xlsx")
        bundle.write(pdf, "panel-pack.pdf")
        for count, row in enumerate(rows, start=1):
            # The anonymity rule: no CV, and no file name, for a candidate still anonymous.
            if row.identified and row.cv_key:
                source = upload_dir / row.cv_key
                if source.is_file():
                    bundle.write(source, cv_entry_name(row))
            progress(count)
