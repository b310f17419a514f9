"""Completion and word roles from the command table: pure functions of the line; a dict is the tree."""

from __future__ import annotations

import pytest

from zktui.commands.complete import (
    AUTH_SCHEMES,
    complete,
    describe,
    quote,
    split_words,
)
from zktui.commands.parser import tokenize
from zktui.commands.spec import COMMANDS

TREE: dict[str, list[str]] = {
    "/": ["app", "zookeeper", "my node"],
    "/app": ["locks", "lock-7", "config", "lock-10"],
    "/app/locks": ["__lock__0000000010", "__lock__0000000002"],
}
asked: list[str] = []


def children(parent: str) -> list[str] | None:
    asked.append(parent)
    return TREE.get(parent)


def texts(line: str, cwd: str = "/") -> list[str]:
    return [c.text for c in complete(line, cwd, children)]


def applied(line: str, cwd: str = "/") -> list[str]:
    """Each completion applied to the line, as the front end would insert it."""
    return [line[: len(line) + c.start] + c.text for c in complete(line, cwd, children)]


# ----- command names -----

def test_empty_line_offers_every_command_and_alias():
    offered = texts("")
    assert {c.name for c in COMMANDS} <= set(offered)
    assert "rmr" in offered and "exit" in offered


def test_command_prefix_is_matched_case_insensitively():
    assert texts("geta") == ["getAcl", "getAllChildrenNumber"]
    assert texts("  ls") == ["ls"]


def test_command_completion_replaces_the_typed_word_and_says_what_it_does():
    (only,) = complete("deletea", "/", children)
    assert (only.text, only.start) == ("deleteall", -len("deletea"))
    assert "delete a node and everything below it" in only.meta


def test_alias_says_whose_alias_it_is():
    (rmr,) = complete("rm", "/", children)
    assert rmr.meta == "alias of deleteall"


def test_unknown_command_offers_nothing_after_it():
    assert texts("frobnicate ") == []


# ----- flags -----

def test_dash_offers_the_flags_of_the_command():
    assert texts("ls -") == ["-s", "-w", "-R"]
    assert texts("get --") == ["--view"]


def test_flags_already_given_are_not_offered_again():
    assert texts("ls -s -") == ["-w", "-R"]


def test_flag_completion_shows_its_metavar():
    (view,) = complete("get --v", "/", children)
    assert (view.text, view.display) == ("--view", "--view view")


def test_choices_of_a_flag_value():
    assert texts("addWatch -m ") == ["PERSISTENT", "PERSISTENT_RECURSIVE"]
    assert texts("get --view j") == ["json"]
    assert texts("addWatch -m persistent_r") == ["PERSISTENT_RECURSIVE"]


def test_a_flag_value_is_not_taken_for_the_path():
    """-t takes a value, so the word after `-t 100` is the path, and the word after `-t` is not."""
    assert texts("create -t 100 /a") == ["/app"]
    assert texts("create -t ") == []


def test_after_double_dash_a_dash_word_is_a_path_not_a_flag():
    assert texts("get -- -") == []
    assert asked[-1] == "/"


# ----- arguments -----

def test_choices_of_an_argument():
    assert texts("printwatches ") == ["on", "off"]
    assert texts("printwatches o") == ["on", "off"]


def test_help_completes_command_names():
    assert texts("help getA") == ["getAcl", "getAllChildrenNumber"]


def test_addauth_completes_schemes_and_never_the_secret():
    assert texts("addauth ") == list(AUTH_SCHEMES)
    assert texts("addauth digest ") == []


def test_words_past_the_last_argument_get_nothing():
    assert texts("get /app ") == []


# ----- znode paths -----

def test_absolute_path_completes_children_of_its_parent():
    assert applied("get /app/lo") == ["get /app/lock-7", "get /app/lock-10", "get /app/locks"]
    assert asked[-1] == "/app"


def test_relative_path_is_resolved_against_the_current_path():
    assert applied("get lo", cwd="/app") == ["get lock-7", "get lock-10", "get locks"]
    assert asked[-1] == "/app"
    assert applied("cd ../zoo", cwd="/app") == ["cd ../zookeeper"]
    assert asked[-1] == "/"


def test_empty_path_word_lists_the_current_nodes_children():
    assert texts("ls ", cwd="/app/locks") == ["__lock__0000000002", "__lock__0000000010"]


def test_sequential_children_come_in_sequence_order():
    assert texts("ls /app/locks/") == ["/app/locks/__lock__0000000002", "/app/locks/__lock__0000000010"]


def test_path_names_are_case_sensitive():
    assert texts("get /App") == []


def test_second_path_argument_is_completed_too():
    assert texts("diff /app /zoo") == ["/zookeeper"]


def test_unknown_children_offer_nothing():
    assert texts("get /app/config/") == []
    assert asked[-1] == "/app/config"


def test_names_with_spaces_are_quoted_and_read_back_by_the_parser():
    (line,) = applied("get /my")
    assert line == "get '/my node'"
    assert tokenize(line) == ["get", "/my node"]


def test_the_quote_the_person_opened_is_kept():
    (line,) = applied('get "/my')
    assert line == 'get "/my node"'
    assert tokenize(line) == ["get", "/my node"]


def test_hostile_name_is_inserted_as_is_but_displayed_inert():
    TREE["/evil"] = ["\x1b[31mred"]
    try:
        (offer,) = complete("ls /evil/", "/", children)
    finally:
        del TREE["/evil"]
    assert offer.text == "/evil/\x1b[31mred"
    assert "\x1b" not in offer.display


# ----- words and roles -----

def test_split_words_keeps_offsets_and_removes_quotes():
    words = split_words('get  "/a b" -s')
    assert [(w.text, w.value, w.start) for w in words] == [
        ("get", "get", 0), ('"/a b"', "/a b", 5), ("-s", "-s", 12)
    ]


def test_split_words_survives_an_open_quote():
    (first, second) = split_words("create '/x y")
    assert (second.value, second.open_quote) == ("/x y", "'")
    assert first.open_quote == ""


def test_describe_gives_each_word_its_role():
    roles = [(w.text, r.kind) for w, r in describe('get -s --view json "/a b" extra')]
    assert roles == [("get", "command"), ("-s", "flag"), ("--view", "flag"), ("json", "flag-value"),
                     ('"/a b"', "arg"), ("extra", "extra")]


def test_describe_marks_unknown_commands_and_flags():
    assert [r.kind for _, r in describe("bogus /a")] == ["unknown-command", "extra"]
    assert [r.kind for _, r in describe("ls -q /a")] == ["command", "unknown-flag", "arg"]


def test_describe_knows_the_argument_kind():
    (_, (_, role)) = describe("ls /a")
    assert role.arg is not None and role.arg.kind == "path"


def test_negative_number_is_an_argument_not_a_flag():
    assert [r.kind for _, r in describe("redo -1")] == ["command", "arg"]


@pytest.mark.parametrize("text", ["plain", "with space", "it's", 'say "hi"', "both ' and \""])
def test_quote_round_trips_through_the_parser(text):
    assert tokenize(f"get {quote(text)}") == ["get", text]
