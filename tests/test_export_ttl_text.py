"""The exports page says how long files are kept as RECRUIT_EXPORT_TTL_HOURS sets it."""

from __future__ import annotations

import pytest

from testkit.factories import Factory
from tests.conftest import AppFactory
from tests.support.accounts import log_in


@pytest.mark.parametrize(
    ("hours", "said"),
    [(168, "7 days"), (24, "1 day"), (48, "2 days"), (36, "36 hours"), (1, "1 hour")],
)
def test_the_exports_page_states_the_configured_lifetime(
    app_factory: AppFactory, hours: int, said: str
) -> None:
    app = app_factory(EXPORT_TTL_HOURS=hours)
    make = Factory(app)
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    client = app.test_client()
    log_in(client, recruiter)
    response = client.get(f"/admin/vacancies/{vacancy.id}/exports")
    assert response.status_code == 200
    assert f"Files are kept for {said}, and every download is recorded." in response.get_data(
        as_text=True
    )
