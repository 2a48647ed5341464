"""`make run`'s web server: werkzeug's development server, logging each request by path only.

An emailed link carries its token in the query string of its first request (recruit.auth.links),
so no request log may show a query: gunicorn's access log format leaves it out in production,
and this handler leaves it out in development. Run with `python -m recruit.web.devserver`.
"""

from __future__ import annotations

import argparse
from typing import Any

from werkzeug.serving import WSGIRequestHandler, run_simple

from recruit.app import create_app


def without_query(target: str) -> str:
    """A request target without its query string or fragment."""
    return target.split("?", 1)[0].split("#", 1)[0]


class PathOnlyRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, minus the query string in every log line it writes."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log the method, path, protocol, status and size, as werkzeug does, without the query."""
        target = getattr(self, "path", None)
        if target is None:  # the request line could not be parsed: log none of it
            self.log("info", '"(unreadable request line)" %s %s', code, size)
            return
        self.path = without_query(target)
        try:
            super().log_request(code, size)
        finally:
            self.path = target

    def version_string(self) -> str:
        """The Server header: no product or version (werkzeug's is `Werkzeug/x Python/y`)."""
        return "recruit"

    def log_error(self, format: str, *args: Any) -> None:
        """Log a refused request by its status only: the stdlib's message quotes the raw line."""
        self.log("error", "request refused with %s", args[0] if args else "an error")


def main(argv: list[str] | None = None) -> None:
    """Serve the app on a host and port, threaded, until interrupted."""
    parser = argparse.ArgumentParser(description="Serve recruit for development.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    app = create_app()
    run_simple(args.host, args.port, app, threaded=True, request_handler=PathOnlyRequestHandler)


if __name__ == "__main__":
    main()
