"""The command table and its parser: pure tests."""

from __future__ import annotations

import pytest

from zktui.commands.help import command_help, markdown_reference, overview
from zktui.commands.parser import UsageError, parse, parse_words, tokenize
from zktui.commands.spec import COMMANDS, lookup


def test_tokenize_groups_quotes_and_keeps_backslashes():
    assert tokenize('create /a "hello world" world:anyone:r') == ["create", "/a", "hello world", "world:anyone:r"]
    assert tokenize("set /a 'it''s'") == ["set", "/a", "its"]
    assert tokenize(r"set /a C:\temp #notacomment") == ["set", "/a", r"C:\temp", "#notacomment"]


def test_unterminated_quote_is_a_usage_error():
    with pytest.raises(UsageError, match="unterminated quote"):
        parse('set /a "oops')


def test_blank_line_parses_to_nothing():
    assert parse("   ") is None


def test_flags_anywhere_and_clustered():
    inv = parse("ls -sR /a")
    assert inv.command.name == "ls"
    assert inv.flags == {"s": True, "R": True}
    assert inv.args == {"path": "/a"}
    inv = parse("set /a data -v 3")
    assert inv.flag("v") == 3
    assert inv.args == {"path": "/a", "data": "data"}


def test_flag_values_are_checked():
    with pytest.raises(UsageError, match="-v must be a whole number, not 'x'"):
        parse("delete -v x /a")
    with pytest.raises(UsageError, match="-v needs a version"):
        parse("delete /a -v")
    with pytest.raises(UsageError, match="-m must be one of PERSISTENT, PERSISTENT_RECURSIVE"):
        parse("addWatch -m SOMETIMES /a")


def test_unknown_flag_lists_the_known_ones():
    with pytest.raises(UsageError) as info:
        parse("ls -q /a")
    assert info.value.command == "ls"
    assert "unknown flag -q" in info.value.message and "-s -w -R" in info.value.message


def test_double_dash_and_negative_numbers_are_data():
    assert parse("set /a -- -s").args["data"] == "-s"
    assert parse("set /a -42").args["data"] == "-42"


def test_missing_and_extra_arguments():
    with pytest.raises(UsageError, match="missing path; usage: get"):
        parse("get")
    with pytest.raises(UsageError, match=r"too many arguments \(x\)"):
        parse("stat /a x")


def test_unknown_command_suggests_a_close_one():
    with pytest.raises(UsageError, match="unknown command 'lss'; did you mean ls"):
        parse("lss /")
    with pytest.raises(UsageError, match="`help` lists the commands"):
        parse("frobnicate")


def test_command_names_are_case_insensitive_and_aliases_work():
    assert parse("getacl /a").command.name == "getAcl"
    assert parse("rmr /a").command.name == "deleteall"


def test_parse_words_keeps_spaces_inside_one_word():
    inv = parse_words(["create", "/a", "two words"])
    assert inv.args["data"] == "two words"


def test_every_command_has_help_and_appears_in_overview_and_reference():
    text, reference = overview(), markdown_reference()
    for command in COMMANDS:
        assert command.summary
        assert command.name in text
        assert f"`{command.usage}`" in reference
        assert command_help(command).startswith(f"usage: {command.name}")


def test_zkcli_commands_are_all_in_the_table():
    zkcli = ("ls create get set stat delete deleteall getAcl setAcl addauth sync getAllChildrenNumber "
             "getEphemerals whoami config addWatch removewatches printwatches history redo connect close "
             "version quit").split()
    for name in zkcli:
        assert lookup(name) is not None, name
