"""Path arithmetic and sequence numbers: pure tests."""

from __future__ import annotations

import pytest

from zktui.core.paths import (
    basename,
    join,
    parent,
    relative_to,
    resolve,
    sequence_number,
    sort_children,
    split_chroot,
)


@pytest.mark.parametrize(
    "cwd, path, expected",
    [
        ("/", "a", "/a"),
        ("/a/b", "c", "/a/b/c"),
        ("/a/b", "..", "/a"),
        ("/a/b", "../../..", "/"),
        ("/a", "./b//c/", "/a/b/c"),
        ("/a", "/x/./y", "/x/y"),
        ("/a", None, "/a"),
    ],
)
def test_resolve(cwd, path, expected):
    assert resolve(cwd, path) == expected


def test_join_parent_basename_relative():
    assert join("/", "a") == "/a" and join("/a", "b") == "/a/b"
    assert parent("/a/b") == "/a" and parent("/a") == "/" and parent("/") == "/"
    assert basename("/a/b") == "b" and basename("/") == "/"
    assert relative_to("/a/b/c", "/a") == "b/c" and relative_to("/a", "/a") == "" and relative_to("/a", "/") == "a"


def test_split_chroot():
    assert split_chroot("h1:2181,h2:2181/app/x/") == ("h1:2181,h2:2181", "/app/x")
    assert split_chroot("h1:2181") == ("h1:2181", None)
    assert split_chroot("h1:2181/") == ("h1:2181", None)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("lock-0000000002", 2),
        ("_c_0f3a-lock-0000000010", 10),
        ("n_0000000000", 0),
        ("lock--2147483648", -2147483648),
        ("lock-000000001", -1),  # %010d of -1
        ("lock000000001", None),  # nine digits without a minus is no sequence
        ("item--000000001", -1),
        ("rs1,16020,1700000000123", None),  # an HBase start code, not a sequence
        ("plain", None),
    ],
)
def test_sequence_number(name, expected):
    assert sequence_number(name) == expected


def test_children_sort_plain_names_naturally_then_sequences_numerically():
    names = ["b", "a10", "a2", "x_0000000010", "y_0000000002", "lock--2147483648"]
    assert sort_children(names) == ["a2", "a10", "b", "lock--2147483648", "y_0000000002", "x_0000000010"]
