"""`manage.py test` runs the pytest suite, as pytest-django documents."""

from __future__ import annotations

import argparse


class PytestTestRunner:
    def __init__(
        self,
        verbosity: int = 1,
        failfast: bool = False,
        keepdb: bool = False,
        keyword: str | None = None,
        **kwargs: object,
    ) -> None:
        self.verbosity = verbosity
        self.failfast = failfast
        self.keepdb = keepdb
        self.keyword = keyword

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--keepdb", action="store_true", help="Preserve the test DB between runs.")
        parser.add_argument("-k", "--keyword", help="Only run tests matching this pytest -k expression.")

    def run_tests(self, test_labels: list[str], **kwargs: object) -> int:
        import pytest

        argv = []
        if self.verbosity == 0:
            argv.append("--quiet")
        elif self.verbosity >= 2:
            argv.append("-" + "v" * (self.verbosity - 1))
        if self.failfast:
            argv.append("--exitfirst")
        if self.keepdb:
            argv.append("--reuse-db")
        if self.keyword:
            argv.extend(["-k", self.keyword])
        argv.extend(test_labels)
        return pytest.main(argv)
