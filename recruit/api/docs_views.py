"""The OpenAPI document and its docs page: a server-rendered page that needs no script or CDN.

The page is drawn from the same generated document a client downloads, so the two cannot
disagree; it works offline and within the site's Content-Security-Policy.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, render_template

from recruit.api.blueprint import bp
from recruit.api.problems import TYPE_BASE, TYPES
from recruit.api.spec import EXTENSION, document

METHODS = ("get", "post", "put", "patch", "delete")


def spec_document() -> dict[str, Any]:
    """This app's OpenAPI document."""
    return document(current_app.extensions[EXTENSION])


def _schema_name(content: dict[str, Any]) -> str:
    for media in content.values():
        ref = str(media.get("schema", {}).get("$ref", ""))
        if ref:
            return ref.rsplit("/", 1)[-1]
    return ""


def _resolve(spec: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    ref = str(response.get("$ref", ""))
    if ref:
        return dict(spec["components"]["responses"][ref.rsplit("/", 1)[-1]])
    return response


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Each operation with what the page shows: parameters, security and responses."""
    found = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            responses = []
            for status, raw in op.get("responses", {}).items():
                resolved = _resolve(spec, raw)
                content = resolved.get("content", {})
                responses.append(
                    {
                        "status": status,
                        "description": resolved.get("description", ""),
                        "media": ", ".join(content),
                        "schema": _schema_name(content),
                    }
                )
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": op.get("tags", []),
                    "parameters": item.get("parameters", []) + op.get("parameters", []),
                    "secured": bool(op.get("security")),
                    "responses": responses,
                }
            )
    return found


@bp.route("/api/v1/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document for /api/v1."""
    response = jsonify(spec_document())
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/api/v1/docs")
def docs() -> str:
    """The API's documentation, drawn from the OpenAPI document."""
    spec = spec_document()
    problems = [
        {"status": status, "type": TYPE_BASE + slug, "title": title}
        for status, (slug, title) in TYPES.items()
    ]
    return render_template(
        "api/docs.html",
        spec=spec,
        operations=operations(spec),
        schemas=spec.get("components", {}).get("schemas", {}),
        problems=problems,
    )
