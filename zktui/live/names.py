"""Contender and member node names: the per-client prefix, the stem and the sequence number.

Libraries make each client's node unique with a prefix (Curator's `_c_<uuid>-`, kazoo's leading uuid hex,
the ZooKeeper recipe's `x-<session>-`, Solr's `<session>-<node>-`) and let the server append a sequence
number. What is left, the stem (`lock-`, `__lock__`, `n_`, `isr_change_`), is what siblings share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from zktui.core.paths import split_sequence

# The server appends %010d of a signed int: ten digits, or a minus and nine digits, or once the counter
# has wrapped far enough a minus and ten digits ("-2147483648").
_SEQUENCE_TEXT = r"(?:\d{10}|-\d{9,10})"

# Tried in order; a prefix only counts when what follows it is what that library writes there.
_PREFIXES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("curator", re.compile(r"_c_[0-9a-f-]{36}-")),
    ("go-zookeeper", re.compile(r"_c_[0-9a-f]{32}-")),
    # Java writes the session id in decimal, the C client as %016llx; nothing but the sequence follows.
    ("zookeeper", re.compile(rf"x-(?:-?\d+|[0-9a-f]{{16}})-(?={_SEQUENCE_TEXT}$)")),
    ("solr", re.compile(rf"-?\d+-.+-(?=n_{_SEQUENCE_TEXT}$)")),
    # kazoo: uuid4().hex then the recipe's node name; ShallowParty joins the member name with a dash.
    ("kazoo", re.compile(r"[0-9a-f]{32}(?=__lock__|__rlock__|__party__|$)|[0-9a-f]{32}-")),
)


@dataclass(frozen=True)
class NodeName:
    """A child name taken apart: `family` names the library whose prefix it carries (None: no prefix)."""

    name: str
    family: str | None
    prefix: str
    stem: str
    seq: int | None


@lru_cache(maxsize=8192)
def parse_name(name: str) -> NodeName:
    for family, pattern in _PREFIXES:
        match = pattern.match(name)
        if match:
            stem_text, seq = split_sequence(name[match.end() :])
            return NodeName(name, family, match.group(), stem_text, seq)
    stem_text, seq = split_sequence(name)
    return NodeName(name, None, "", stem_text, seq)


def stem(name: str) -> str:
    """The name without its per-client prefix and its sequence suffix: what contenders of one recipe share."""
    return parse_name(name).stem


def sequence_of(name: str) -> int | None:
    """The sequence number the server appended, as the signed int it is; None when there is none."""
    return parse_name(name).seq


