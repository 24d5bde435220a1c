"""The documentation stays true to the code."""

from pathlib import Path

from model.parameters import TABLE_END, TABLE_START, markdown_table
from model.reporters import FLOWS, STATE

ROOT = Path(__file__).resolve().parents[1]


def test_odd_parameter_table_is_generated_from_the_code():
    text = (ROOT / "docs" / "ODD.md").read_text()
    table = text.split(TABLE_START)[1].split(TABLE_END)[0].strip()
    assert table == markdown_table(), "docs/ODD.md is stale: run `make docs`"


def test_odd_names_every_reporter():
    text = (ROOT / "docs" / "ODD.md").read_text()
    missing = [name for name in FLOWS + STATE if f"`{name}`" not in text]
    assert not missing, f"reporters not described in docs/ODD.md: {missing}"


def test_readme_gives_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert "make run" in text and "make test" in text


def test_nothing_in_the_repository_points_outside_it():
    """Sources live in docs/sources.md; no file refers to the workplace's shared folder."""
    import subprocess
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    marker = "../" + "shared"
    offenders = [f for f in files if (ROOT / f).is_file() and not f.endswith((".png", ".svg", ".ipynb"))
                 and marker in (ROOT / f).read_text(errors="ignore")]
    assert not offenders, f"files referring to {marker}: {offenders}"


def test_the_parameter_table_points_to_the_sources():
    text = (ROOT / "docs" / "ODD.md").read_text()
    assert "sources.md" in text and (ROOT / "docs" / "sources.md").is_file()
