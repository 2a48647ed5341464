"""Request plumbing: hooks, sessions, admission, receipts, rate limits and role checks."""
