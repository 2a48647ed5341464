"""The candidate portal blueprint: `views` and `applying` add their routes to `bp`."""

from flask import Blueprint

bp = Blueprint("portal", __name__)
