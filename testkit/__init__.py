"""Data builders and probes shared by the test suite and the benchmarks (never by the product)."""
