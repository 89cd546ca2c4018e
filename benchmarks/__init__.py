"""Benchmarks: measured throughput, never asserted in tests."""
