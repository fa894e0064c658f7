"""Benchmarks: ``python -m tests.benchmarks [--quick] [--json]`` runs every ``bench_*.py`` module here."""
