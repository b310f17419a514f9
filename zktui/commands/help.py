"""Help text, generated from the command table (the shell's `help`, the TUI's `?`, the README)."""

from __future__ import annotations

from zktui.commands.spec import COMMANDS, GROUP_TITLES, Command


def command_help(command: Command) -> str:
    lines = [f"usage: {command.usage}", f"  {command.summary}"]
    if command.aliases:
        lines.append(f"  also: {', '.join(command.aliases)}")
    for arg in command.args:
        lines.append(f"  {arg.name:<14}{arg.help}")
    for flag in command.flags:
        name = f"{flag.name} {flag.metavar}" if flag.takes_value else flag.name
        lines.append(f"  {name:<14}{flag.help}")
    if command.writes:
        lines.append("  (writes: refused in read-only mode)")
    if command.details:
        lines.append(command.details)
    return "\n".join(lines)


def overview() -> str:
    lines: list[str] = []
    for group, title in GROUP_TITLES.items():
        members = [c for c in COMMANDS if c.group == group]
        if not members:
            continue
        lines.append(f"{title}:")
        width = max(len(c.name) for c in members) + 2
        lines += [f"  {c.name:<{width}}{c.summary}" for c in members]
    lines.append("`help COMMAND` shows a command's flags and arguments.")
    return "\n".join(lines)


def markdown_reference() -> str:
    """The README's command reference."""
    lines: list[str] = []
    for group, title in GROUP_TITLES.items():
        members = [c for c in COMMANDS if c.group == group]
        if not members:
            continue
        lines += [f"### {title}", "", "| command | what it does |", "| --- | --- |"]
        lines += [f"| `{c.usage}` | {c.summary} |" for c in members]
        lines.append("")
    return "\n".join(lines)
