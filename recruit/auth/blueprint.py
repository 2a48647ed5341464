"""The accounts blueprint: `views` and `links` add their routes to `bp`."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
