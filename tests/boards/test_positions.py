"""Fractional positions: always strictly between, short under long runs at one spot, plain order."""

from __future__ import annotations

import itertools
import random

import pytest

from hub.boards.positions import MAX_POSITION_CHARS, is_valid, key_between, spread


def _insert(keys: list[str], index: int, newest: str | None) -> str:
    """Insert after ``keys[index]`` (-1: at the top) as the service does, leaning as it leans."""
    a = keys[index] if index >= 0 else None
    b = keys[index + 1] if index + 1 < len(keys) else None
    lean = "up" if a is not None and a == newest else "down" if b is not None and b == newest else "middle"
    key = key_between(a, b, lean=lean)
    assert is_valid(key)
    assert (a is None or a < key) and (b is None or key < b), (a, key, b)
    keys.insert(index + 1, key)
    return key


@pytest.mark.parametrize("pattern", ["top", "bottom", "after_same", "after_newest", "random", "mixed"])
def test_ten_thousand_inserts_at_one_spot_stay_short(pattern: str) -> None:
    rnd = random.Random(f"positions-{pattern}")
    keys = [key_between(None, None)]
    newest: str | None = keys[0]
    for _ in range(10_000):
        choices = {
            "top": -1,
            "bottom": len(keys) - 1,
            "after_same": 0,
            "after_newest": keys.index(newest) if newest in keys else 0,
            "random": rnd.randrange(-1, len(keys)),
        }
        index = choices[rnd.choice(list(choices))] if pattern == "mixed" else choices[pattern]
        newest = _insert(keys, index, newest)
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert max(len(key) for key in keys) <= 12


def test_random_moves_keep_a_strict_order() -> None:
    """Moves take a card out and put it back elsewhere: the others never change."""
    rnd = random.Random(7)
    keys = [key_between(None, None)]
    for _ in range(300):
        _insert(keys, rnd.randrange(-1, len(keys)), None)
    for _ in range(3_000):
        moving = keys.pop(rnd.randrange(len(keys)))
        before = list(keys)
        index = rnd.randrange(-1, len(keys))
        key = _insert(keys, index, moving)
        assert [k for k in keys if k != key] == before
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert max(len(key) for key in keys) < MAX_POSITION_CHARS


def test_an_adversary_always_picking_the_tightest_gap_is_caught_by_the_bound() -> None:
    keys = [key_between(None, None), key_between(key_between(None, None), None)]
    for _ in range(200):
        gaps = [(len(b) + len(a), i) for i, (a, b) in enumerate(itertools.pairwise(keys))]
        _, index = max(gaps)
        _insert(keys, index, None)
    assert keys == sorted(keys)
    # Growth is at most a few characters per insert; the service respaces past the bound.
    assert max(len(k) for k in keys) > MAX_POSITION_CHARS


@pytest.mark.parametrize("count", [0, 1, 2, 61, 62, 1_000, 10_000])
def test_spread_gives_short_evenly_spaced_keys(count: int) -> None:
    keys = spread(count)
    assert len(keys) == count and keys == sorted(keys) and len(set(keys)) == count
    assert all(is_valid(key) and len(key) <= 4 for key in keys)
    if count >= 2:
        assert key_between(None, keys[0]) < keys[0] and key_between(keys[-1], None) > keys[-1]


@pytest.mark.parametrize(("a", "b"), [("V", "V"), ("W", "V"), ("V0", None), ("", None), (None, "a-b")])
def test_bad_neighbours_are_refused(a: str | None, b: str | None) -> None:
    with pytest.raises(ValueError):
        key_between(a, b)


def test_keys_between_any_two_keys_sort_plainly() -> None:
    rnd = random.Random(11)
    keys = sorted({key_between(None, None)} | set(spread(50)))
    for _ in range(2_000):
        i = rnd.randrange(len(keys) - 1)
        key = key_between(keys[i], keys[i + 1], lean=rnd.choice(["up", "down", "middle"]))
        assert keys[i] < key < keys[i + 1]
        keys.insert(i + 1, key)
