"""Test data that the tests and the benchmarks share (shipped so `bench/` needs no test package)."""
