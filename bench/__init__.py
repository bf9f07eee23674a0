"""Benchmarks: `make bench` (python -m bench [NAME …]). Never part of the test suite.

Every figure is reported next to a baseline measured in the same run, as a ratio.
"""
