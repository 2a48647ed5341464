"""Candidate portal blueprint: browse vacancies, apply, follow and withdraw applications."""

from flask import Blueprint

bp = Blueprint("portal", __name__)

# Imported for their side effect of registering routes on `bp`.
from recruit.portal import applying as applying  # noqa: E402
from recruit.portal import views as views  # noqa: E402
