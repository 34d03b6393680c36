"""Benchmarks of bland-sms-mock (run `python -m bench`); numbers, not tests."""
