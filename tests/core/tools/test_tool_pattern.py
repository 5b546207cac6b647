"""The Tool base: argument validation, failures as results, events, schemas."""

from __future__ import annotations

import asyncio
from typing import ClassVar

import pytest
from pydantic import Field, JsonValue

from regoose_tui.bus.events import EVENT_ADAPTER, Event, ToolCalled, ToolResulted
from regoose_tui.errors import TargetNotFound
from regoose_tui.tools import Tool, ToolArgs, ToolFailed, ToolResult
from regoose_tui.tools.base import Publish


class AddArgs(ToolArgs):
    """Add two integers."""

    a: int = Field(description="First addend.")
    b: int = 0


class NoteArgs(ToolArgs):
    """Store a note with a title."""

    title: str
    body: str = ""


class WaitArgs(ToolArgs):
    """Wait a while."""

    seconds: float


class Calculator(Tool):
    """A small real tool used to exercise the pattern."""

    name: ClassVar[str] = "calc"
    description: ClassVar[str] = "Arithmetic."
    operations: ClassVar[dict[str, type[ToolArgs]]] = {
        "add": AddArgs,
        "note": NoteArgs,
        "wait": WaitArgs,
    }

    def __init__(self, *, publish: Publish | None = None, session_id: str | None = None) -> None:
        super().__init__(publish=publish, session_id=session_id)
        self.cancelled = False

    async def op_add(self, args: AddArgs) -> ToolResult:
        if args.a < 0:
            raise TargetNotFound("negative numbers are not found here")
        if args.a == 13:
            raise ZeroDivisionError("unlucky\nsecond line")
        return ToolResult.success(args.a + args.b)

    async def op_note(self, args: NoteArgs) -> ToolResult:
        return ToolResult.success({"title": args.title, "length": len(args.body)})

    async def op_wait(self, args: WaitArgs) -> ToolResult:
        try:
            await asyncio.sleep(args.seconds)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return ToolResult.success(None)


async def test_valid_call_returns_output() -> None:
    result = await Calculator().execute("add", a=2, b=3)
    assert result == ToolResult(ok=True, output=5, error=None)
    # pydantic coerces what is unambiguous (LLMs send strings).
    assert (await Calculator().execute("add", a="4")).output == 4
    assert result.unwrap() == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "calc.add: bad arguments: a: Field required"),
        ({"a": "many"}, "calc.add: bad arguments: a: Input should be a valid integer"),
        ({"a": 1, "c": 2}, "calc.add: bad arguments: c: Extra inputs are not permitted"),
    ],
)
async def test_bad_arguments_become_a_one_line_failure(
    args: dict[str, object], message: str
) -> None:
    result = await Calculator().execute("add", **args)
    assert not result.ok
    assert result.error is not None and result.error.startswith(message)
    assert "\n" not in result.error


async def test_unknown_operation_lists_the_known_ones() -> None:
    result = await Calculator().execute("multiply", a=1)
    assert result.error == "calc has no operation 'multiply' (it has: add, note, wait)"


async def test_errors_inside_an_operation_never_escape() -> None:
    calc = Calculator()
    regoose = await calc.execute("add", a=-1)
    assert regoose == ToolResult(ok=False, error="negative numbers are not found here")
    crash = await calc.execute("add", a=13)
    assert crash.error == "calc.add failed: ZeroDivisionError: unlucky second line"
    with pytest.raises(ToolFailed, match="unlucky second line"):
        crash.unwrap()


async def test_cancellation_propagates_and_is_reported() -> None:
    events: list[Event] = []
    calc = Calculator(publish=events.append)
    task = asyncio.create_task(calc.execute("wait", seconds=30))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert calc.cancelled
    assert isinstance(events[-1], ToolResulted)
    assert events[-1].ok is False and events[-1].summary == "cancelled"


async def test_every_call_publishes_called_then_resulted() -> None:
    events: list[Event] = []
    calc = Calculator(publish=events.append, session_id="s9")
    await calc.execute("note", title="t", body="x" * 1000)
    await calc.execute("add", a="nope")

    assert [type(e) for e in events] == [ToolCalled, ToolResulted, ToolCalled, ToolResulted]
    called, resulted = events[0], events[1]
    assert isinstance(called, ToolCalled) and isinstance(resulted, ToolResulted)
    assert (called.tool, called.operation, called.session_id) == ("calc", "note", "s9")
    # Long arguments are cut so a file's content does not flood the bus.
    assert called.args["title"] == "t"
    assert called.args["body"].startswith("x" * 200) and called.args["body"].endswith(
        "(+800 chars)"
    )
    assert resulted.ok and resulted.elapsed >= 0
    failed = events[3]
    assert isinstance(failed, ToolResulted) and not failed.ok
    assert failed.summary.startswith("calc.add: bad arguments")
    for event in events:
        assert EVENT_ADAPTER.validate_json(event.model_dump_json()) == event


async def test_a_broken_publisher_does_not_break_the_call() -> None:
    def explode(event: Event) -> None:
        raise RuntimeError("subscriber bug")

    assert (await Calculator(publish=explode).execute("add", a=1)).output == 1


def test_schemas_are_openai_function_style_built_from_the_models() -> None:
    schemas = {s["function"]["name"]: s for s in Calculator().json_schemas()}
    assert list(schemas) == ["calc.add", "calc.note", "calc.wait"]
    add = schemas["calc.add"]
    assert add["type"] == "function"
    assert add["function"]["description"] == "Add two integers."
    assert add["function"]["parameters"] == {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "a": {"type": "integer", "description": "First addend."},
            "b": {"type": "integer", "default": 0},
        },
        "required": ["a"],
    }
    # Auto titles are dropped, a property that is called "title" is kept.
    note = schemas["calc.note"]["function"]["parameters"]
    assert note["properties"]["title"] == {"type": "string"}
    assert note["required"] == ["title"]
    underscored = [s["function"]["name"] for s in Calculator().json_schemas(separator="__")]
    assert underscored == ["calc__add", "calc__note", "calc__wait"]


def test_a_tool_must_implement_every_declared_operation() -> None:
    with pytest.raises(TypeError, match="declares 'go' but has no op_go"):

        class Broken(Tool):
            name: ClassVar[str] = "broken"
            description: ClassVar[str] = "x"
            operations: ClassVar[dict[str, type[ToolArgs]]] = {"go": AddArgs}

    with pytest.raises(TypeError, match="must be a plain identifier"):

        class Dotted(Tool):
            name: ClassVar[str] = "a.b"
            description: ClassVar[str] = "x"
            operations: ClassVar[dict[str, type[ToolArgs]]] = {}


def test_tool_result_failure_is_one_line() -> None:
    result = ToolResult.failure("first\n  second\tthird")
    assert result.error == "first second third"
    assert ToolResult.failure("").error == "failed"


async def test_data_and_text_read_the_output_of_any_result() -> None:
    note = await Calculator().execute("note", title="t", body="abc")
    assert note.data() == {"title": "t", "length": 3}
    # A failure keeps its output readable (a shell run's exit code and log).
    failed = ToolResult.failure("exited with code 3", output={"exit_code": 3})
    assert failed.data()["exit_code"] == 3
    assert ToolResult.success("hi").text() == "hi"


@pytest.mark.parametrize(
    ("output", "kind"),
    [(None, "null"), (True, "a boolean"), (4, "a number"), ([1], "an array"), ("s", "a string")],
)
def test_data_refuses_an_output_that_is_not_an_object(output: JsonValue, kind: str) -> None:
    result = ToolResult.success(output)
    with pytest.raises(TypeError, match=f"tool output is {kind}, not an object"):
        result.data()


def test_text_refuses_an_output_that_is_not_a_string() -> None:
    with pytest.raises(TypeError, match="tool output is an object, not a string"):
        ToolResult.success({"a": 1}).text()
    with pytest.raises(TypeError, match="tool output is a number, not a string"):
        ToolResult.success(2.5).text()
