"""Typed constraints on parameter values (in the style of scikit-learn's ``_param_validation``).

A constraint checks one value and returns it in canonical type, or raises ``ValueError`` naming
the parameter and what is allowed. Every numeric constraint has a ceiling: a value beyond what
the model can plausibly mean (a victimization rate of a million per person-year) fails at once
instead of exhausting memory or returning NaN hours later.
"""

from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral, Real

import numpy as np


class Constraint:
    """What values a parameter allows."""

    categorical = False  # a set of named choices (a sweep lists them; no ranges)
    integer = False  # whole numbers only (a sweep rounds ranges)

    def check(self, name: str, value):
        """The value in canonical plain form (what specs, JSON and tables hold)."""
        raise NotImplementedError

    def parse(self, name: str, value):
        """The value as the model reads it (a ``Timeline`` for schedules; otherwise ``check``'s)."""
        return self.check(name, value)

    def describe(self) -> str:
        raise NotImplementedError


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


@dataclass(frozen=True)
class Interval(Constraint):
    """A number in [low, high]. ``kind`` is ``int`` (whole numbers) or ``float``."""

    kind: type
    low: float
    high: float

    @property
    def integer(self) -> bool:
        return self.kind is int

    def check(self, name, value):
        if _is_bool(value) or not isinstance(value, Real):
            raise ValueError(f"{name} must be a number ({self.describe()}), got {value!r}")
        number = float(value) if isinstance(value, Fraction) else value
        try:
            finite = bool(np.isfinite(number))
        except (TypeError, OverflowError):
            finite = False
        if not finite:
            raise ValueError(f"{name} must be finite, {self.describe()}, got {value!r}")
        if self.integer and not isinstance(value, Integral) and float(number) != int(number):
            raise ValueError(f"{name} must be a whole number, {self.describe()}, got {value!r}")
        if not self.low <= number <= self.high:
            raise ValueError(f"{name} must be in {self.describe()}, got {value!r}")
        return int(number) if self.integer else float(number)

    def describe(self) -> str:
        fmt = (lambda v: f"{int(v):,}") if self.integer else (lambda v: f"{v:g}")
        kind = "an integer" if self.integer else "a number"
        return f"{kind} in [{fmt(self.low)}, {fmt(self.high)}]"


@dataclass(frozen=True)
class Options(Constraint):
    """One of a fixed set of named choices."""

    options: tuple
    categorical = True

    def check(self, name, value):
        if not isinstance(value, str) or value not in self.options:
            raise ValueError(f"{name} must be one of {self.options}, got {value!r}")
        return value

    def describe(self) -> str:
        return ", ".join(f"`{k}`" for k in self.options)


@dataclass(frozen=True)
class Boolean(Constraint):
    """True or False (a switch)."""

    categorical = True

    def check(self, name, value):
        if not _is_bool(value):
            raise ValueError(f"{name} must be True or False, got {value!r}")
        return bool(value)

    def describe(self) -> str:
        return "true / false"

    @property
    def options(self) -> tuple:
        return (False, True)


# Shorthands used in the parameter table.
PROBABILITY = Interval(float, 0.0, 1.0)


def count(low: int, high: int) -> Interval:
    return Interval(int, low, high)


def rate(high: float, low: float = 0.0) -> Interval:
    return Interval(float, low, high)


@dataclass(frozen=True)
class Timeline:
    """A value that changes at given weeks: the schedule type, parsed once and then only read.

    ``steps`` are (first week, value) pairs, weeks increasing from 0: the first value is in force
    from week 0, each later one from its week. A constant is one step. ``text()`` writes it back in
    the plain syntax the parameters take (``"sc;pep@260;eo2017@440"``), so specs, JSON and sweeps
    keep plain text while the model reads the parsed steps. ``shift`` and ``compose`` are the two
    ways a schedule is made from another (a burn-in before the panel's week 1; a county that changed
    its policy); ``map`` turns names into the things they name (a policy's rules), for the agents."""

    steps: tuple

    def __post_init__(self):
        steps = tuple((int(week), value) for week, value in self.steps)
        weeks = [week for week, _ in steps]
        if not steps or weeks[0] != 0 or any(b <= a for a, b in zip(weeks, weeks[1:], strict=False)):
            raise ValueError(f"a schedule starts at week 0 and its weeks increase, got {list(self.steps)!r}")
        object.__setattr__(self, "steps", steps)

    @classmethod
    def constant(cls, value) -> "Timeline":
        return cls(((0, value),))

    def _index(self, week: int) -> int:
        if len(self.steps) == 1:  # most schedules: one value throughout
            return 0
        i = 0
        for j, (start, _) in enumerate(self.steps):
            if start > week:
                break
            i = j
        return i

    def at(self, week: int):
        """The value in force in ``week``."""
        return self.steps[self._index(week)][1]

    def since(self, week: int) -> int:
        """The week the value in force in ``week`` took effect."""
        return self.steps[self._index(week)][0]

    def at_weeks(self, weeks) -> np.ndarray:
        """The value in force in each of ``weeks`` (an array)."""
        starts = np.array([w for w, _ in self.steps])
        values = np.array([v for _, v in self.steps])
        return values[np.searchsorted(starts, np.asarray(weeks), side="right") - 1]

    @property
    def values(self) -> tuple:
        return tuple(v for _, v in self.steps)

    @property
    def constant_value(self):
        """The value if the schedule never changes, else None."""
        return self.steps[0][1] if len(self.steps) == 1 else None

    def map(self, fn) -> "Timeline":
        """The same weeks, each value replaced by ``fn(value)``."""
        return Timeline(tuple((week, fn(value)) for week, value in self.steps))

    def shift(self, weeks: int) -> "Timeline":
        """Every change ``weeks`` later (the first value still from week 0): the schedule of a run that
        spends ``weeks`` before its own week 0."""
        return Timeline(((0, self.steps[0][1]),) + tuple((week + weeks, v) for week, v in self.steps[1:]))

    def compose(self, other: "Timeline", week: int) -> "Timeline":
        """This schedule until ``week``, then ``other`` from ``week`` on (its weeks counted from there).
        A change at week 0 or before is ``other`` alone."""
        if week <= 0:
            return other
        before = tuple(step for step in self.steps if step[0] < week)
        after = tuple((start + week, v) for start, v in other.steps)
        merged = before + after
        return Timeline(tuple(step for i, step in enumerate(merged) if i == 0 or step[1] != merged[i - 1][1]))

    def then(self, value, week: int) -> "Timeline":
        """This schedule until ``week``, then ``value`` for good."""
        return self.compose(Timeline.constant(value), week)

    def text(self, write=str) -> str:
        """The schedule in the plain syntax: ``first;value@week;...`` (``write`` turns a value into text)."""
        return ";".join([write(self.steps[0][1])] + [f"{write(v)}@{week}" for week, v in self.steps[1:]])


def parse_timeline(value: str, name: str, read, example: str, max_week: int = 100_000) -> Timeline:
    """A schedule written as one plain string, ``"a;b@W1;c@W2"``: the first value from week 0 (``"a"``
    or ``"a@0"``), then each value from its week (weeks increasing, at most ``max_week``).
    ``read(text)`` turns one value's text into the value or raises ``ValueError`` with the whole
    message; week errors name ``name`` and show ``example``."""
    steps, last = [], -1
    for i, part in enumerate(value.split(";")):
        text, at, week_text = part.strip().partition("@")
        item = read(text.strip())
        if i == 0 and not at:
            week = 0
        else:
            try:
                week = int(week_text.strip())
            except ValueError:
                raise ValueError(f"{name}: {part.strip()!r} needs a whole week after '@' "
                                 f"(like {example!r})") from None
            if i == 0 and week != 0:
                raise ValueError(f"{name}: the schedule must start at week 0, got {part.strip()!r}")
            if i > 0 and not last < week <= max_week:
                raise ValueError(f"{name}: change weeks must increase and lie in [1, {max_week:,}], "
                                 f"got {value!r}")
        steps.append((week, item))
        last = week
    return Timeline(tuple(steps))


@dataclass(frozen=True)
class Schedule(Options):
    """One of the named options, or a schedule of them as one plain string: ``"sc;pep@260;eo2017@440"``
    is the first option from week 0, then each change at its week (weeks increasing, at most
    ``max_week``). Plain text survives TOML, JSON and a sweep's list of values; a sweep lists
    schedules like any other choice. The model reads the parsed ``Timeline`` (``parse``)."""

    max_week: int = 100_000

    def _at_activation(self, name, value):
        """(first, then) for ``"first;then@activation"`` (a change in the week the federal program
        reaches the county, whatever week that is), else None."""
        parts = [part.strip() for part in value.split(";")]
        if len(parts) != 2 or not parts[1].replace(" ", "").endswith("@activation"):
            if "activation" in value:
                raise ValueError(f"{name}: '@activation' is allowed in a schedule of one change, like "
                                 f"{self.options[0]!r};{self.options[-1]!r}@activation, got {value!r}")
            return None
        first, then = parts[0], parts[1].partition("@")[0].strip()
        for option in (first, then):
            if option not in self.options:
                raise ValueError(f"{name} must be one of {self.options} or a schedule like "
                                 f"{self.example()!r}; {option!r} is not one of them (in {value!r})")
        return first, then

    def parse(self, name, value, activation: int | None = None) -> Timeline:
        """The schedule. ``"a;b@activation"`` changes in the week the program reaches the county
        (``activation``, the parameter ``activation_week``; at week 1 at the earliest)."""
        if isinstance(value, Timeline):
            value = value.text()
        if not isinstance(value, str):
            raise ValueError(f"{name} must be one of {self.options} or a schedule like "
                             f"{self.example()!r}, got {value!r}")
        symbolic = self._at_activation(name, value)
        if symbolic is not None:
            first, then = symbolic
            return Timeline.constant(first).then(then, max(1, 1 if activation is None else int(activation)))

        def read(option):
            if option not in self.options:
                raise ValueError(f"{name} must be one of {self.options} or a schedule like "
                                 f"{self.example()!r}; {option!r} is not one of them (in {value!r})")
            return option

        return parse_timeline(value, name, read, self.example(), self.max_week)

    def check(self, name, value):
        if isinstance(value, str) and "activation" in value:
            symbolic = self._at_activation(name, value)
            if symbolic is not None:
                return f"{symbolic[0]};{symbolic[1]}@activation"
        return self.parse(name, value).text()

    def example(self) -> str:
        return ";".join([self.options[0]] + [f"{o}@{260 * (i + 1)}" for i, o in enumerate(self.options[1:3])])

    def describe(self) -> str:
        return (", ".join(f"`{k}`" for k in self.options)
                + f", or a schedule such as `{self.example()}` (changes at the given weeks; `@activation`: in "
                "the week the program reaches the county)")


def level_text(level: float) -> str:
    """A level as the shortest text that reads back to the same float (``0``, ``0.4``, ``1e-05``)."""
    text = repr(float(level))
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Levels(Constraint):
    """A non-negative level that changes at given weeks, as one plain string in the syntax of
    ``Schedule``: ``"0;0.4@120;1.1@133"`` is 0 from week 0, 0.4 from week 120 and 1.1 from week 133
    (weeks increasing, at most ``max_week``; each level a number in [0, ``high``]). A plain number
    such as ``"0.4"`` is that level throughout. A sweep lists such strings like choices; there are
    no ranges over them. The model reads the parsed ``Timeline`` of floats (``parse``)."""

    high: float
    unit: str = ""
    max_week: int = 100_000
    categorical = True

    def parse(self, name, value) -> Timeline:
        if isinstance(value, Timeline):
            value = value.text(level_text)
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a level or a schedule of levels as text, like "
                             f"{self.example()!r}, got {value!r}")

        def read(text):
            try:
                level = float(text) + 0.0  # -0 reads as 0
            except ValueError:
                level = None
            if level is None or not np.isfinite(level) or not 0.0 <= level <= self.high:
                raise ValueError(f"{name}: every level must be a number in [0, {self.high:g}] (a schedule "
                                 f"like {self.example()!r}); {text!r} is not (in {value!r})")
            return level

        return parse_timeline(value, name, read, self.example(), self.max_week)

    def check(self, name, value):
        return self.parse(name, value).text(level_text)

    def example(self) -> str:
        return "0;0.4@120;1.1@133"

    def describe(self) -> str:
        unit = f" ({self.unit})" if self.unit else ""
        return (f"a level in [0, {self.high:g}]{unit}, or a schedule such as `{self.example()}` "
                "(each level from its week)")
