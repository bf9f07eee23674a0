"""Convene's runtime: configuration, CLI, adapters (Slack, Matrix, console) and the scheduler."""
