"""Command handlers, one module per family; importing this package registers them all."""

from zktui.commands.handlers import bulk, navigation, nodes, servers, session  # noqa: F401
