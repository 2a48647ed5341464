"""The API's blueprints: `bp` (health check, the OpenAPI document and its docs page) and `v1`.

`v1` is a flask-smorest blueprint: its views are documented in the OpenAPI document. `bp` is a
plain Flask blueprint, so what it serves is not part of the API it describes.
"""

from flask import Blueprint as FlaskBlueprint
from flask_smorest import Blueprint

bp = FlaskBlueprint("api", __name__)
v1 = Blueprint(
    "api_v1",
    __name__,
    url_prefix="/api/v1",
    description="Version 1 of the recruit API.",
)
