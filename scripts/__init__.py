"""Benchmarks and helpers (resp-bench, LMCache demo, server start helpers)."""
