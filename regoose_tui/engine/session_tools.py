"""The tools of one session: the only way its agents and provider reach disk and sandbox.

Every tool of the registry shares one root, the session's scratch folder:
the filesystem and shell tools work in it, and it is the container tool's
writable work folder (the project is mounted read-only). A module the
executor writes with ``filesystem.write_file`` is the very file it then runs
with ``container.pytest``. The user's tree is another root with another
rule, so the reporter gets a filesystem tool of its own for the output folder.
"""

from __future__ import annotations

from pathlib import Path

from regoose_tui.project_config import IgnoreRules
from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.python_env import PythonEnv
from regoose_tui.store.safe_write import nearest_existing
from regoose_tui.tools.base import Publish
from regoose_tui.tools.filesystem import FilesystemTool
from regoose_tui.tools.registry import ToolRegistry
from regoose_tui.tools.sandbox import SandboxTool
from regoose_tui.tools.shell import ShellTool


def session_tools(
    runtime: Runtime,
    python: PythonEnv,
    *,
    project_dir: Path,
    work_dir: Path,
    publish: Publish | None,
    session_id: str | None,
    read_only_paths: tuple[Path, ...] = (),
) -> ToolRegistry:
    """filesystem + shell + container, all rooted at ``work_dir``, announced on ``publish``.

    Blocking (the tools resolve their roots): call it in a thread.
    """
    return ToolRegistry(
        [
            FilesystemTool(work_dir),
            ShellTool(work_dir),
            SandboxTool(
                runtime,
                project_dir,
                work_dir,
                python=python,
                read_only_paths=read_only_paths,
            ),
        ],
        publish=publish,
        session_id=session_id,
    )


def files_of(tools: ToolRegistry) -> FilesystemTool:
    """The session's filesystem tool."""
    return tools.typed(FilesystemTool.name, FilesystemTool)


def sandbox_of(tools: ToolRegistry) -> SandboxTool:
    """The session's container tool."""
    return tools.typed(SandboxTool.name, SandboxTool)


def output_files(
    out_path: Path, tools: ToolRegistry, ignore: IgnoreRules | None = None
) -> FilesystemTool:
    """A filesystem tool for the folder ``out_path`` goes in, announced like the others.

    Rooted at the nearest folder that exists (the write creates the rest).
    Blocking: call it in a thread.
    """
    root = nearest_existing(out_path.parent)
    return FilesystemTool(root, publish=tools.publish, session_id=tools.session_id, ignore=ignore)
