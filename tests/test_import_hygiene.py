"""Only the front ends may import Textual or prompt_toolkit: proven in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import zktui

UI_PACKAGES = ("textual", "prompt_toolkit")
FRONT_ENDS = ("zktui.tui", "zktui.shell")


def headless_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(zktui.__path__, prefix="zktui."):
        if not info.name.startswith(FRONT_ENDS) and info.name != "zktui.__main__":
            names.append(info.name)
    return names


def test_there_are_headless_modules_to_check():
    assert "zktui.sandbox.ensemble" in headless_modules()
    assert "zktui.core.fourletter" in headless_modules()


@pytest.mark.parametrize("module", headless_modules())
def test_module_imports_no_ui_toolkit(module):
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        f"bad = [m for m in sys.modules if m.split('.')[0] in {UI_PACKAGES!r}]; "
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"{module} pulls in {result.stdout.strip()} {result.stderr[-500:]}"
