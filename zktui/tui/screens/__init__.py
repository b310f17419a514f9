"""The TUI's modal screens. Each returns its answer with `dismiss` (None = cancelled) and does no ZooKeeper I/O:
the app hands it data and callables and acts on the answer.

    edit.EditScreen          -> bytes | None          the node's data in a TextArea; ctrl+s saves
    conflict.ConflictScreen  -> "overwrite" | "edit" | "discard" | None   after a version conflict
    new_node.NewNodeScreen   -> NewNodeRequest | None  name, data, mode; shows the `create` line it runs
    confirm.ConfirmScreen    -> bool                   y / n
    goto.GotoScreen          -> str | None             a path, Tab completes
    find.FindScreen          -> str | None             filter loaded paths; ctrl+f searches the server
    help.HelpScreen          -> None                   keys and the prompt's commands

Modules are imported one by one where needed (the app imports them lazily), so nothing is re-exported here.
"""
