"""Command handlers, one module per family; importing this package registers them all."""

from zktui.commands.handlers import bulk, lab, live, live_servers, navigation, nodes, servers, session  # noqa: F401
