"""A refactor changes no number: every reporter, every week, and the event log of a few small
configurations match the digests in tests/data/golden.json (see tests/golden.py to rewrite them when a
change is meant to move the model's numbers)."""

import json

import pytest

from tests.golden import CONFIGS, FILE, digests

STORED = json.loads(FILE.read_text())


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_model_gives_the_recorded_numbers(name):
    now, then = digests(name), STORED[name]
    changed = sorted(k for k in set(now) | set(then) if now.get(k) != then.get(k))
    assert not changed, (f"{name}: {len(changed)} digests differ from tests/data/golden.json, e.g. {changed[:8]}; "
                         "if the change is meant to move the model's numbers, rewrite the file with "
                         "`.venv/bin/python -m tests.golden` and say so in the commit")
