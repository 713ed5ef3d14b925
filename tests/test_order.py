"""The test files start longest first (tests/order.py), each file's tests together and as
written, and pytest-xdist does not undo the order."""

from __future__ import annotations

import tomllib
from types import SimpleNamespace

from .conftest import ROOT
from .order import LONGEST, file_order


def item(file: str, test: str, *, fast: bool = False):
    return SimpleNamespace(path=ROOT / "tests" / file, name=test, get_closest_marker=lambda name: fast or None)


def test_every_file_named_longest_exists_once():
    missing = [name for name in LONGEST if not (ROOT / "tests" / name).is_file()]
    assert not missing, f"tests/order.py names files the suite no longer has: {missing}"
    assert len(set(LONGEST)) == len(LONGEST)


def test_the_longest_start_first_the_fast_subset_last_each_file_whole_and_as_written():
    long, later = LONGEST[1], LONGEST[0]
    items = [item("test_fast.py", "a", fast=True), item("test_fast.py", "b", fast=True), item("test_partly.py", "a", fast=True),
             item("test_x.py", "a"), item(long, "a"), item("test_y.py", "a"), item("test_x.py", "b"),
             item(later, "a"), item(long, "b"), item("test_y.py", "b"), item("test_y.py", "c"), item("test_partly.py", "b")]
    order = [(i.path.name, i.name) for i in file_order(items)]
    assert order == [(later, "a"), (long, "a"), (long, "b"),
                     ("test_y.py", "a"), ("test_y.py", "b"), ("test_y.py", "c"),  # more tests: sooner
                     ("test_partly.py", "a"), ("test_partly.py", "b"),  # one test outside the fast subset
                     ("test_x.py", "a"), ("test_x.py", "b"), ("test_fast.py", "a"), ("test_fast.py", "b")]


def test_xdist_keeps_the_order():
    """Without `--no-loadscope-reorder` pytest-xdist sorts the files by their number of tests."""
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "--dist loadfile --no-loadscope-reorder" in options["addopts"]
