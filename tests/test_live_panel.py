"""The live panel's rows for the servers, locks and groups: pure, from the poller's and tracker's views."""

from __future__ import annotations

from zktui.live.ensemble import EnsembleSnapshot, ServerState
from zktui.live.tracker import EntryView, Handover, RecipeView
from zktui.tui.widgets.live_panel import HANDOVERS_SHOWN, ensemble_rows, recipe_lines


def entry(node: str, seq: int | None, session: str, **extra) -> EntryView:
    return EntryView(node, seq, session, extra.pop("client", "10.0.0.7:51234"), 0, **extra)


def texts(lines) -> list[str]:
    return [line.plain for line in lines]


def test_a_lock_shows_its_holder_then_its_waiters_in_queue_order():
    view = RecipeView("/locks/job", "lock", "kazoo Lock",
                      holders=(entry("a__lock__0000000002", 2, "0x100", held_ms=4_000),),
                      waiters=(entry("b__lock__0000000009", 9, "0x200", waited_ms=3_000),
                               entry("c__lock__0000000010", 10, "0x300", waited_ms=1_000)))
    rows = texts(recipe_lines([view], [], []))
    assert rows[0].startswith("/locks/job") and "kazoo Lock" in rows[0]
    assert "holds" in rows[1] and "0x100" in rows[1] and "held 4s" in rows[1]
    assert rows[2].lstrip().startswith("1. waits") and "0x200" in rows[2]
    assert rows[3].lstrip().startswith("2. waits") and "0x300" in rows[3]
    assert not any("zombie" in row for row in rows)


def test_a_zombie_holder_is_flagged():
    view = RecipeView("/locks/job", "lock", "kazoo Lock",
                      holders=(entry("a__lock__0000000002", 2, "0x100", held_ms=0, zombie=True),))
    [_, holder] = recipe_lines([view], [], [])
    assert "zombie" in holder.plain and "on no server" in holder.plain
    assert any("red" in str(span.style) for span in holder.spans)


def test_the_last_handovers_are_listed_under_their_lock():
    handovers = tuple(Handover(1_700_000_000_000 + n * 1000, (f"n{n}",), (f"n{n + 1}",), 1000 * n)
                      for n in range(HANDOVERS_SHOWN + 2))
    view = RecipeView("/locks/job", "lock", "kazoo Lock", holders=(entry("n5", 5, "0x1", held_ms=0),),
                      handovers=handovers)
    rows = texts(recipe_lines([view], [], []))
    history = [row for row in rows if "↪" in row]
    assert len(history) == HANDOVERS_SHOWN
    assert "n4 → n5" in history[-1] and "held 4s" in history[-1]
    assert "n1 → n2" not in " ".join(history)  # only the most recent ones


def test_a_group_counts_its_members_and_cuts_a_long_list():
    members = tuple(entry(f"host-{n}:8080", None, f"0x{n}") for n in range(9))
    view = RecipeView("/servers", "membership", "ephemeral group", members=members)
    rows = texts(recipe_lines([], [], [view], max_entries=6))
    assert "9 members" in rows[0]
    assert sum("◆" in row for row in rows) == 6
    assert rows[-1].strip() == "… 3 more"


def test_names_from_the_server_are_made_inert():
    view = RecipeView("/locks/\x1b[2Jjob", "lock", "generic",
                      holders=(entry("evil\x1b]0;pwned\x07", None, "0x1", held_ms=0),))
    assert not any("\x1b" in row or "\x07" in row for row in texts(recipe_lines([view], [], [])))


def test_members_and_contenders_show_the_identity_their_data_gives():
    group = RecipeView("/services/api", "membership", "kazoo Party",
                       members=(entry("26a1__party__", None, "0x5", identity="api-1:8081"),))
    lock = RecipeView("/locks/job", "lock", "kazoo Lock",
                      holders=(entry("0d52__lock__0000000000", 0, "0x6", held_ms=0, identity="worker-1"),))
    rows = texts(recipe_lines([lock], [], [group]))
    assert any("worker-1" in row and "holds" in row for row in rows)
    assert any("api-1:8081" in row and "◆" in row for row in rows)
    assert entry("n", 1, "0x1", identity="worker-1").to_json()["identity"] == "worker-1"
    assert "identity" not in entry("n", 1, "0x1").to_json()


def test_the_ensemble_table_aligns_its_columns_and_colours_each_mode():
    snapshot = EnsembleSnapshot(0.0, (
        ServerState("zk1.example:2181", "follower", zxid=0x3_0000_0012, latency_ms=0.25, connections=4,
                    outstanding=0),
        ServerState("zk2.example:2181", "leader", zxid=0x3_0000_0013, latency_ms=12.0, connections=11,
                    outstanding=2),
        ServerState("zk3.example:2181", "down"),
    ))
    heading, *rows = ensemble_rows(snapshot)
    assert heading.plain.split() == ["server", "mode", "epoch", "zxid", "latency", "conns", "queued"]
    assert rows[0].plain.split() == ["zk1.example:2181", "follower", "3", "0x300000012", "0.2", "ms", "4", "0"]
    assert rows[2].plain == "zk3.example:2181  down"  # nothing known: no trailing blanks
    # Every column starts where its heading does.
    for column in ("mode", "zxid", "conns"):
        start = heading.plain.index(column)
        assert all(row.plain[start - 2:start] == "  " and row.plain[start] != " " for row in rows[:2])
    styles = {row.plain[span.start:span.end].strip(): str(span.style) for row in rows for span in row.spans}
    assert styles["leader"] == "bold green" and styles["down"] == "bold red" and styles["follower"] == "green"
