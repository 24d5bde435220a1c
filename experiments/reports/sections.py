"""Report sections and report kinds, registered once.

A ``Section`` is a title and a function ``write(results, report)`` that adds its part to the report (or
nothing, when the results do not support it). A ``Kind`` is a kind of results folder (a sweep, a
sensitivity sweep, a calibration, a panel): how to read it (``results(out)``, whose ``title`` heads the
report) and its sections in order. ``reports.build_report`` decides which kind a folder is (``report_kind``)
and writes that kind's sections; nothing else chooses.

Registration is checked when it is made, so an incomplete one fails at import, not at report time: a
section needs a title and a callable of two arguments; a kind needs a known name, a reader and at least
one section, each a ``Section``, no title twice.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass

KINDS = ("sweep", "sensitivity", "calibration", "panel")


@dataclass(frozen=True)
class Section:
    """A part of a report: its title and the function that writes it (``write(results, report)``).
    ``needs_runs``: left out (after "No finished runs yet.") when the folder holds no finished run."""

    title: str
    write: Callable
    needs_runs: bool = True

    def __post_init__(self):
        if not isinstance(self.title, str) or not self.title.strip():
            raise TypeError(f"a report section needs a title, got {self.title!r}")
        if not callable(self.write):
            raise TypeError(f"report section {self.title!r}: write must be callable, got {self.write!r}")
        params = [p for p in inspect.signature(self.write).parameters.values()
                  if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(params) != 2:
            raise TypeError(f"report section {self.title!r}: write takes (results, report), got "
                            f"{inspect.signature(self.write)}")


@dataclass(frozen=True)
class Kind:
    """A kind of results folder: its name (one of ``KINDS``), how its results are read, its sections."""

    name: str
    results: Callable  # out -> the object every section reads (with a ``title``)
    sections: tuple

    def __post_init__(self):
        if self.name not in KINDS:
            raise ValueError(f"report kind {self.name!r} is not one of {KINDS}")
        if not callable(self.results):
            raise TypeError(f"report kind {self.name!r}: results must be callable")
        if not self.sections or not all(isinstance(s, Section) for s in self.sections):
            raise TypeError(f"report kind {self.name!r}: sections must be a non-empty tuple of Section")
        titles = [s.title for s in self.sections]
        if len(set(titles)) != len(titles):
            raise ValueError(f"report kind {self.name!r}: a section title appears twice in {titles}")


def registry(*kinds: Kind) -> dict:
    """The kinds by name; every name of ``KINDS`` exactly once."""
    names = [k.name for k in kinds]
    if sorted(names) != sorted(KINDS):
        raise ValueError(f"report kinds {names} do not match {KINDS} one to one")
    return {k.name: k for k in kinds}


def write_report(kind: Kind, out, quiet: bool = True, **options):
    """Read ``out`` as ``kind`` and write its sections into ``out/report/report.md``; returns the path.
    When the folder holds no finished run yet, the sections that need runs give way to one line."""
    import time

    from .markdown import Report

    started = time.perf_counter()
    results = kind.results(out, **options)
    doc = Report(out, results.title, started)
    for section in kind.sections:
        if section.needs_runs and getattr(results, "empty", False):
            doc.text("No finished runs yet.")
            break
        section.write(results, doc)
    return doc.write(quiet)
