"""The spec engine: a spec's keys are declared (what each accepts, its default, what it means) and one
engine checks them, naming the key and what is allowed.

Sweeps, calibrations, panels, the calibration targets and the county table's columns are all declared
with the checks below. A spec module declares its tables::

    DESIGN = Table({
        "method": Key(Choice(METHODS), "factorial", "how the points are sampled"),
        "samples": Key(Int(minimum=1), None, "points (LHS), N (Sobol) or trajectories (Morris)"),
    })

and reads a raw (TOML) table with ``DESIGN.read(raw, "design.", where)``: unknown keys fail with a "did
you mean" hint, every declared key is checked in declaration order (``SpecError: design.samples: must
be >= 1, got 0``), and absent keys take their default (checked like a value, unless None: absent). What
depends on other keys or on the model (a preset's name, a parameter's range) stays in the spec module,
which reports it through ``fail`` in the same form.
"""

import datetime as dt
import difflib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .files import SPEC_BYTES, NotARegularFile, read_text

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")  # plain names: sweeps, calibrations, panels, models, folders
PRESET_KEY = "preset"  # a pseudo-parameter of sweep and calibration specs: the named preset's policy levers
REQUIRED = object()  # a key without a default
TRUE, FALSE = frozenset({"true", "1", "yes", "t", "y"}), frozenset({"false", "0", "no", "f", "n"})


class SpecError(ValueError):
    """A spec that cannot be run; the message names the key."""


class CountyTableError(ValueError):
    """A county table that cannot be used; the message names every bad row and column (raised by
    ``experiments.panel.counties``; here so that the command line can catch it without importing the panel)."""


# --- sizes: every kind of spec is held against the same limits, computed from the spec before anything is built -
@dataclass(frozen=True)
class Limits:
    """How big a spec (a sweep, a calibration, a panel) may be before it is refused; each can be raised
    (``--max-points`` etc., or ``Limits(runs=...)``).

    points: parameter points of a sweep's design (particles per generation of a calibration); runs: model
    runs in all; steps: weeks per run; rows: collected rows the runs would store.
    """

    points: float = 100_000
    runs: float = 1_000_000
    steps: float = 10_000
    rows: float = 20_000_000


DEFAULT_LIMITS = Limits()
UNLIMITED = Limits(math.inf, math.inf, math.inf, math.inf)
FLAGS = {"points": "--max-points", "runs": "--max-runs", "steps": "--max-steps", "rows": "--max-rows"}


def over(what: str, value, limits: Limits) -> str | None:
    """Why ``value`` is too many ``what`` (None: it is not)."""
    limit = getattr(limits, what)
    if value <= limit:
        return None
    return f"above the limit of {limit:,.0f} {what} (raise it with {FLAGS[what]} or Limits({what}=...))"


def check_limit(what: str, value, key: str, how: str, limits: Limits, where: str = "") -> None:
    """Refuse a spec whose ``value`` of ``what`` is over its limit, naming ``key``; ``how`` says how it was
    counted (``3 generations x 100 particles = 300 runs``)."""
    problem = over(what, value, limits)
    if problem:
        fail(key, f"{how}, {problem}", where)


def plain_name(value) -> bool:
    """A letter, then up to 63 letters, digits, '_' or '-': no dots, no slashes, no spaces."""
    return isinstance(value, str) and NAME.fullmatch(value) is not None


MESSAGE_CHARS = 400  # a message longer than this (a value echoed from a hostile spec) is cut: one readable line
KEY_CHARS = 200  # the same for a key, which may hold a name the spec gave (a table's own keys)


def fail(key: str, message: str, where: str = ""):
    """Raise the spec's error: ``<where><key>: <message>``, on one line and at most ``MESSAGE_CHARS`` long
    after the key (a value the spec gave is echoed, and a spec may give a megabyte). A key can hold a name the
    spec gave (``counties.<type>``): its unprintable characters are shown escaped (a line break as ``\\n``)."""
    message = " ".join(str(message).splitlines())
    if len(message) > MESSAGE_CHARS:
        message = message[:MESSAGE_CHARS - 5] + " ..."
    key = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(key))
    if len(key) > KEY_CHARS:
        key = key[:KEY_CHARS - 3] + "..."
    raise SpecError(f"{where}{key}: {message}")


def suggestion(name, choices) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(str(name), sorted(map(str, choices)), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_keys(table: dict, allowed, prefix: str, where: str, shown=None) -> None:
    """Refuse a key that is not allowed, with the closest allowed one (or the list of them). ``shown``: the
    keys a hint may name (default: all allowed; a key read only to be refused with its own message is not)."""
    shown = allowed if shown is None else shown
    for key in table:
        if key not in allowed:
            names = sorted(map(str, shown))  # at most 12 named: a message stays one readable line
            listed = ", ".join(map(repr, names[:12])) + (f", ... ({len(names)} in all)" if len(names) > 12 else "")
            hint = suggestion(key, shown) or f"; allowed: [{listed}]"
            fail(prefix + key, f"unknown key{hint}", where)


# --- checks: each takes (value, key, where) and gives the value, or fails naming the key ---------------------
class Check:
    """What a key accepts. ``allowed`` says it in words (docs and messages)."""

    allowed = "any value"

    def __call__(self, value, key: str, where: str = ""):
        return value


@dataclass(frozen=True)
class Int(Check):
    """A whole number in [minimum, maximum]. ``text``: also read from text (a table's cell)."""

    minimum: int | None = None
    maximum: int | None = None
    text: bool = False

    @property
    def allowed(self):
        return "an integer" + _bounds(self.minimum, self.maximum)

    def __call__(self, value, key, where=""):
        shown = value.strip() if isinstance(value, str) else value
        if self.text and not isinstance(value, bool):
            value = _from_text(value, key, where, whole=True)
        if isinstance(value, bool) or not isinstance(value, int):
            fail(key, f"must be an integer, got {_short(value)}", where)
        _within(value, key, where, self.minimum, self.maximum, shown)
        return value


@dataclass(frozen=True)
class Number(Check):
    """A finite number in [minimum, maximum] (``above``: strictly greater; ``below``: strictly less)."""

    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    below: float | None = None
    text: bool = False

    @property
    def allowed(self):
        low = f" > {self.above}" if self.above is not None else _bounds(self.minimum, None)
        high = f" < {self.below}" if self.below is not None else _bounds(None, self.maximum)
        return "a number" + low + (" and" if low and high else "") + high

    def __call__(self, value, key, where=""):
        shown = value
        if self.text and not isinstance(value, bool):
            value = _from_text(value, key, where)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail(key, f"must be a number, got {_short(shown)}", where)
        if not math.isfinite(value):
            fail(key, f"must be a finite number, got {_short(shown)}", where)
        if self.above is not None and value <= self.above:
            fail(key, f"must be > {self.above}, got {value}", where)
        if self.below is not None and value >= self.below:
            fail(key, f"must be < {self.below}, got {value}", where)
        _within(value, key, where, self.minimum, self.maximum)
        return float(value)


@dataclass(frozen=True)
class Share(Check):
    """A share in [0, 1]. ``text``: also read from text."""

    text: bool = False
    allowed = "a share in [0, 1]"

    def __call__(self, value, key, where=""):
        shown = value
        value = Number(text=self.text)(value, key, where)
        if not 0 <= value <= 1:
            fail(key, f"must be in [0, 1], got {_short(shown)}", where)
        return value


@dataclass(frozen=True)
class Level(Check):
    """A confidence level in (0, 1), e.g. 0.95."""

    allowed = "a level in (0, 1), e.g. 0.95"

    def __call__(self, value, key, where=""):
        if isinstance(value, bool) or not isinstance(value, float) or not 0 < value < 1:
            fail(key, f"must be a level in (0, 1), e.g. 0.95, got {_short(value)}", where)
        return value


@dataclass(frozen=True)
class Bool(Check):
    """true or false (``text``: also "yes", "no", "1", "0" and the like)."""

    text: bool = False
    allowed = "true or false"

    def __call__(self, value, key, where=""):
        if type(value).__name__ == "bool_":  # numpy's, from a Parquet table
            value = bool(value)
        if self.text and isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
            return value.strip().lower() in TRUE
        if not isinstance(value, bool):
            fail(key, f"must be true or false, got {_short(value)}", where)
        return value


@dataclass(frozen=True)
class Text(Check):
    """Text: a string of at most ``length`` characters and ``lines`` lines, each printable (no control
    characters, no terminal escapes). A file name is one line; a description a short paragraph or a few."""

    length: int = 1000
    lines: int = 1

    @property
    def allowed(self):
        return f"text: at most {self.length} printable characters" + (
            " on one line" if self.lines == 1 else f" on at most {self.lines} lines")

    def __call__(self, value, key, where=""):
        if not isinstance(value, str):
            fail(key, f"must be text, got {_short(value)}", where)
        if len(value) > self.length:
            fail(key, f"must be at most {self.length} characters, got {len(value)}", where)
        lines = value.splitlines() or [""]
        if len(lines) > self.lines:
            fail(key, f"must be at most {self.lines} line{'s' if self.lines > 1 else ''}, got {len(lines)}", where)
        for n, line in enumerate(lines, 1):
            bad = next((ch for ch in line if not (ch.isprintable() or ch == "\t")), None)
            if bad is not None:
                at = f" (line {n})" if len(lines) > 1 else ""
                fail(key, f"must be printable text, got the control character {bad!r}{at}", where)
        return value


PROSE = Text(length=2000, lines=20)  # a spec's description


def _short(value, n: int = 60) -> str:
    """``repr(value)``, cut to ``n`` characters: a message stays one short line."""
    text = repr(value)
    return text if len(text) <= n else text[:n - 3] + "..."


@dataclass(frozen=True)
class PlainName(Check):
    """A plain name: a letter, then up to 63 letters, digits, '_' or '-'."""

    allowed = "a plain name (a letter, then letters, digits, '_' or '-', at most 64)"

    def __call__(self, value, key, where=""):
        if not plain_name(value):
            fail(key, f"required; {self.allowed}, got {_short(value)}", where)
        return value


@dataclass(frozen=True)
class Choice(Check):
    """One of ``options``. ``text``: also read from text (stripped)."""

    options: tuple
    text: bool = False

    @property
    def allowed(self):
        return f"one of {tuple(self.options)}"

    def __call__(self, value, key, where=""):
        if self.text and isinstance(value, str):
            value = value.strip()
        if not _single(value) or value not in self.options:
            fail(key, f"must be one of {tuple(self.options)}, got {_short(value)}", where)
        return value


@dataclass(frozen=True)
class Names(Check):
    """A non-empty list of distinct names from ``options``; each unknown one is named by its place."""

    options: tuple

    @property
    def allowed(self):
        return f"a non-empty list from {list(self.options)}"

    def __call__(self, value, key, where=""):
        if not isinstance(value, list) or not value:
            fail(key, f"must be {self.allowed}", where)
        for i, x in enumerate(value):
            if x not in self.options:
                hint = suggestion(x, self.options) or f"; one of {list(self.options)}"
                fail(f"{key}[{i}]", f"unknown {x!r}{hint}", where)
        if len(set(value)) != len(value):
            fail(key, "repeated names", where)
        return tuple(value)


@dataclass(frozen=True)
class Strings(Check):
    """A list of strings (``what`` they are, for the message, with an ``example``)."""

    what: str = "names"
    example: str = ""

    @property
    def allowed(self):
        return f"a list of {self.what}" + (f", e.g. {self.example}" if self.example else "")

    def __call__(self, value, key, where=""):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            fail(key, f"must be {self.allowed}, got {_short(value)}", where)
        return value


@dataclass(frozen=True)
class Date(Check):
    """A date, written YYYY-MM-DD (TOML dates too)."""

    allowed = "a date YYYY-MM-DD"

    def __call__(self, value, key, where=""):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if type(value).__name__ == "Timestamp":  # pandas', from a Parquet table
            return value.date()
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            fail(key, f"must be a date YYYY-MM-DD, got {_short(value)}", where)


@dataclass(frozen=True)
class Via(Check):
    """A check owned elsewhere: ``fn(value)`` gives the value or raises ``ValueError`` with the message (a
    model parameter's own constraint, say)."""

    fn: object
    allowed: str = "a value the model accepts"

    def __call__(self, value, key, where=""):
        try:
            return self.fn(value)
        except ValueError as e:
            fail(key, str(e), where)


@dataclass(frozen=True)
class Checks(Check):
    """Several checks, each on the value the one before gave (a number from text, then the model's range)."""

    checks: tuple

    @property
    def allowed(self):
        return "; ".join(c.allowed for c in self.checks)

    def __call__(self, value, key, where=""):
        for check in self.checks:
            value = check(value, key, where)
        return value


class Anything(Check):
    """Any value: the spec module checks it (it depends on other keys or on the model)."""


ANY = Anything()


@dataclass(frozen=True)
class Key:
    """A declared key: its check, its default (``REQUIRED``: none; None: may be absent), what it means,
    and what to say when a required key is missing."""

    check: Check
    default: object = None
    doc: str = ""
    missing: str = "required"


@dataclass(frozen=True)
class Table(Check):
    """A table of declared keys. ``read`` checks a raw table and gives every key's value (defaults filled)."""

    keys: dict = field(default_factory=dict)
    extra: frozenset = frozenset()  # keys allowed besides the declared ones (read by the spec module itself)
    allowed = "a table"

    def read(self, raw, prefix: str = "", where: str = "", name: str | None = None) -> dict:
        if not isinstance(raw, dict):
            fail(name or prefix.rstrip(".") or "spec", "must be a table", where)
        check_keys(raw, set(self.keys) | set(self.extra), prefix, where, shown=set(self.keys))
        out = {}
        for k, decl in self.keys.items():
            if k in raw:
                out[k] = decl.check(raw[k], prefix + k, where)
            elif decl.default is REQUIRED:
                fail(prefix + k, decl.missing, where)
            else:
                out[k] = None if decl.default is None else decl.check(decl.default, prefix + k, where)
        return out

    def __call__(self, value, key, where=""):
        return self.read(value, key + ".", where, name=key)

    def describe(self) -> list:
        """(key, allowed, default, doc) for every key, nested tables flattened: what a spec may say."""
        rows = []
        for k, decl in self.keys.items():
            if isinstance(decl.check, Table):
                rows += [(f"{k}.{sub}", *rest) for sub, *rest in decl.check.describe()]
            else:
                default = "required" if decl.default is REQUIRED else decl.default
                rows.append((k, decl.check.allowed, default, decl.doc))
        return rows


def _bounds(low, high) -> str:
    parts = ([f" >= {low}"] if low is not None else []) + ([f" <= {high}"] if high is not None else [])
    return " and".join(parts)


def _within(value, key, where, low, high, shown=None) -> None:
    shown = value if shown is None else shown  # as written (``1e23``), not as converted
    if low is not None and value < low:
        fail(key, f"must be >= {low}, got {shown}", where)
    if high is not None and value > high:
        fail(key, f"must be <= {high}, got {shown}", where)


def _single(value) -> bool:
    """One value, not a list, a table or an array (a Parquet list column gives arrays)."""
    return not isinstance(value, (list, tuple, dict, set, frozenset)) and not getattr(value, "ndim", 0)


def _from_text(value, key, where, whole=False):
    """A number written as text (a CSV cell), or numpy's; other values as they are. A whole number written
    as digits is read exactly (not through a float, which has 53 bits)."""
    shown = value
    if not _single(value):
        fail(key, f"must be a number, got a {'list' if getattr(value, 'ndim', 1) else 'table'}", where)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars, from a Parquet table
    if isinstance(value, str):
        try:
            value = int(value.strip()) if whole and value.strip().lstrip("+-").isdigit() else float(value.strip())
        except ValueError:
            fail(key, f"must be a number, got {_short(shown)}", where)
    if whole and isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            fail(key, f"must be a whole number, got {_short(shown)}", where)
        value = int(value)
    return value


def read_toml(path: Path) -> dict:
    """A spec file's TOML, or a one-line ``SpecError`` naming the file (missing, a folder, not text,
    not TOML). Sweep, calibration and panel specs are all read through it."""
    try:
        return tomllib.loads(read_text(path, SPEC_BYTES))
    except FileNotFoundError:
        raise SpecError(f"{path}: no such spec file") from None
    except IsADirectoryError:
        raise SpecError(f"{path}: a folder, not a spec file") from None
    except NotARegularFile as e:
        raise SpecError(str(e)) from None
    except UnicodeDecodeError as e:
        raise SpecError(f"{path}: not a text file ({e.reason})") from None
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{path}: not valid TOML: {e}") from None
