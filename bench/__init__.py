"""Benchmarks: speed measured against a baseline in the same run, never asserted in tests."""
