"""Candidate portal blueprint: browse vacancies, apply, follow and withdraw applications."""

from flask import Blueprint

bp = Blueprint("portal", __name__)

from recruit.portal import views  # noqa: E402,F401 - registers the routes
