"""Candidates' data rights and retention: purge, subject access and erasure."""
