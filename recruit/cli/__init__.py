"""Command-line commands: users, demo data and the outbox."""
