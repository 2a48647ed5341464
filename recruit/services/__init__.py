"""Domain services. They change the session but never commit: callers own the transaction."""
