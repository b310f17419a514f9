"""A real local ZooKeeper ensemble (Java servers from the installed ZooKeeper) for the demo and the tests."""

from zktui.sandbox.ensemble import Ensemble, ServerStatus, default_directory
from zktui.sandbox.install import Installation, SandboxError, find_installation

__all__ = ["Ensemble", "Installation", "SandboxError", "ServerStatus", "default_directory", "find_installation"]
