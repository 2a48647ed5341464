"""Tests that run real worker processes against Redis and an SMTP server."""
