"""Fault-injection tests: real web, worker, beat, Redis, SMTP and PostgreSQL, broken on purpose."""
