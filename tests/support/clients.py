"""The suite's test client."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse


class ClosingClient(FlaskClient):
    """A test client that reads each response whole and closes it, as a browser would.

    Unbuffered, a download's open file lives until garbage collection, and warnings are errors.
    """

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any) -> TestResponse:
        """Send the request; the response body is read and its iterable closed."""
        response = super().open(*args, buffered=buffered, **kwargs)
        if buffered:
            response.close()
            # werkzeug closes a large body it spooled to a temporary file only after redirects.
            response.request.input_stream.close()
        return response
