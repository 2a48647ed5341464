"""The machine-facing blueprint: `views` adds its routes to `bp`."""

from flask import Blueprint

bp = Blueprint("api", __name__)
