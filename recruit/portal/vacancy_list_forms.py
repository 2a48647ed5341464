"""The vacancy list's sort control: closing soonest, newest or highest salary (a GET form)."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField

from recruit.portal.forms import VacancyFilterForm
from recruit.services.vacancy_search import DEFAULT_SORT, SORTS

UNKNOWN_SORT = "We could not sort by that, so the vacancies are sorted by closing soonest."


class VacancyListForm(VacancyFilterForm):
    """The filters plus the order; an unknown order falls back to the default, never a 400."""

    sort = SelectField(
        "Sort by",
        choices=[SelectChoice(value, label) for value, label in SORTS.items()],
        default=DEFAULT_SORT,
        validate_choice=False,
    )

    def chosen_sort(self) -> str:
        """The order asked for if it is one we have, else the default."""
        value = str(self.sort.data or "")
        return value if value in SORTS else DEFAULT_SORT

    def sort_refused(self) -> bool:
        """Whether an order was asked for that we do not have (the page says so)."""
        return bool(self.sort.raw_data) and str(self.sort.data or "") not in SORTS
