"""The recruiter admin blueprint: each `*_views` module adds its routes to `bp`."""

from flask import Blueprint

bp = Blueprint("admin", __name__)
