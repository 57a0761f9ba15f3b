"""Tiny helpers for peer tests: run SQL through psql (no driver needed).

The connection comes from the PG* environment that test/run_tests.sh sets
(database insight_peer, Online Retail loaded and registered).
"""
import csv
import io
import subprocess
import sys


def query(sql):
    """Rows of a query as lists of strings (NULL -> None)."""
    out = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--csv", "-P", "null=\\N", "-c", sql],
        check=True, capture_output=True, text=True).stdout
    rows = list(csv.reader(io.StringIO(out)))
    return [[None if v == "\\N" else v for v in row] for row in rows[1:]]


def scalar(sql):
    return query(sql)[0][0]


class Checks:
    """Collects named checks; report() prints them and exits 1 on any failure."""

    def __init__(self, name):
        self.name = name
        self.failed = 0
        self.total = 0

    def check(self, label, ok, detail=""):
        self.total += 1
        if not ok:
            self.failed += 1
        print(f"{'ok  ' if ok else 'FAIL'} {label}" + (f"  ({detail})" if detail else ""))

    def report(self):
        print(f"{self.name}: {self.total - self.failed}/{self.total} checks passed")
        sys.exit(1 if self.failed else 0)
