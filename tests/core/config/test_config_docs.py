"""Field docstrings become descriptions as pydantic's use_attribute_docstrings makes them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from pydantic import BaseModel

from regoose_tui.config import (
    GenerateSettings,
    ProviderSettings,
    RuntimeSettings,
    Settings,
    UISettings,
)
from regoose_tui.config_docs import docstrings_as_descriptions

SOURCE = '''
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class {name}(BaseModel):
    """A model."""

    model_config = ConfigDict({config})

    plain: int = 1
    """One line."""
    multi: str = "x"
    """First line.

        Indented more, then back:
    last line.
    """
    undocumented: int = 2
    own: int = Field(default=3, description="given")
    """Not this one."""
    later: int = 4
    x: ClassVar[int] = 5
    """A class attribute, not a field."""
'''


def _module(tmp_path: Path, name: str, config: str) -> ModuleType:
    path = tmp_path / f"{name.lower()}_{tmp_path.name.replace('-', '_')}.py"
    path.write_text(SOURCE.format(name=name, config=config))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[path.stem]
    return module


def _descriptions(model: type[BaseModel]) -> dict[str, str | None]:
    return {name: field.description for name, field in model.model_fields.items()}


def test_the_same_descriptions_as_pydantics_own_extraction(tmp_path: Path) -> None:
    ours = _module(tmp_path, "Ours", "")
    assert ours.__file__ is not None
    docstrings_as_descriptions(ours.__file__, ours.Ours)
    theirs = _module(tmp_path, "Theirs", "use_attribute_docstrings=True")
    assert _descriptions(ours.Ours) == _descriptions(theirs.Theirs)
    assert _descriptions(ours.Ours)["own"] == "given"
    assert _descriptions(ours.Ours)["undocumented"] is None


def test_without_the_source_the_fields_keep_no_description(tmp_path: Path) -> None:
    ours = _module(tmp_path, "Ours", "")
    docstrings_as_descriptions(tmp_path / "gone.py", ours.Ours)
    assert _descriptions(ours.Ours)["plain"] is None


def test_every_documented_setting_has_its_help_text() -> None:
    for model in (ProviderSettings, RuntimeSettings, GenerateSettings, UISettings, Settings):
        missing = [name for name, field in model.model_fields.items() if not field.description]
        assert missing == [], f"{model.__name__}: {missing}"
