"""Metrics for Prometheus (``GET /metrics``): requests by platform and command with their latency, reminders by
outcome, deliveries retried, the database's size and the scheduler's role. One registry per process."""
from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry()
REQUESTS = Counter("convene_requests", "Commands handled, by platform, command and outcome",
                   ["platform", "command", "outcome"], registry=REGISTRY)
LATENCY = Histogram("convene_request_seconds", "Time to handle a command (the core, not the network)",
                    ["platform", "command"], registry=REGISTRY,
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
REMINDERS = Counter("convene_reminders", "Reminder deliveries, by kind and outcome (sent, late, failed, skipped)",
                    ["kind", "outcome"], registry=REGISTRY)
RETRIES = Counter("convene_delivery_retries", "Chat API calls retried (rate limits, server errors, connections)",
                  ["platform", "reason"], registry=REGISTRY)
DELIVERIES = Counter("convene_outbox_deliveries", "Messages the bot sent on its own through the outbox, by outcome",
                     ["outcome"], registry=REGISTRY)
DB_BYTES = Gauge("convene_database_bytes", "Size of the database file and its write-ahead log", registry=REGISTRY)
WRITE_FAILURES = Counter("convene_database_write_failures", "Writes refused by the disk (full, read-only, failing): "
                         "the request was answered that nothing was changed", registry=REGISTRY)
WRITABLE = Gauge("convene_database_writable", "0 while the database cannot save (since its last failed write, "
                 "until a write succeeds), else 1", registry=REGISTRY)
_counted_failures = [0]
LEADER = Gauge("convene_scheduler_leader", "1 when this process sends the reminders (holds the lease)",
               registry=REGISTRY)
KNOWN_COMMANDS = {"agenda", "questions", "submit", "inputs", "convene"}   # checked against the registry in tests


def observe(platform: str, command: str, ok: bool, seconds: float) -> None:
    head = command if command in KNOWN_COMMANDS else "other"      # bounded label values, whatever people type
    REQUESTS.labels(platform, head, "ok" if ok else "error").inc()
    LATENCY.labels(platform, head).observe(seconds)


def reminder(kind: str, outcome: str) -> None:
    REMINDERS.labels(kind, outcome).inc()


def retried(platform: str, reason: str) -> None:
    RETRIES.labels(platform, reason).inc()


def delivery(outcome: str) -> None:
    DELIVERIES.labels(outcome).inc()


def exposition(db_path: str | None, scheduler=None, writes=None) -> tuple[bytes, str]:
    """``writes``: the process's ``storage.db.WriteHealth``."""
    if writes is not None:
        WRITE_FAILURES.inc(max(0, writes.failures - _counted_failures[0]))
        _counted_failures[0] = max(_counted_failures[0], writes.failures)
        WRITABLE.set(0 if writes.failing else 1)
    if db_path and db_path != ":memory:":
        DB_BYTES.set(sum(os.path.getsize(p) for p in (db_path, db_path + "-wal") if os.path.exists(p)))
    if scheduler is not None:
        LEADER.set(1 if scheduler.role == "leader" else 0)
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
