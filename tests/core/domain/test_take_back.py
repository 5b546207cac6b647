"""Taking a session's addition back out of a file the user edited elsewhere since."""

from __future__ import annotations

from regoose_tui.domain.take_back import take_back

BEFORE = "import os\nfrom m import a\n\n\ndef test_a():\n    assert a()\n"
WRITTEN = (
    "import os\nimport re\nfrom m import a, b\n\n\ndef test_a():\n    assert a()\n"
    "\n\n# Added by Regoose for m\nclass TestB:\n    def test_b(self):\n        assert b()\n"
)


def test_an_untouched_file_comes_back_byte_for_byte() -> None:
    assert take_back(BEFORE, WRITTEN, WRITTEN) == BEFORE


def test_the_users_other_edits_stay() -> None:
    edited = WRITTEN.replace("    assert a()\n", "    assert a()  # mine\n").replace(
        "import os\n", "import os\nimport sys\n"
    )
    back = take_back(BEFORE, WRITTEN, edited)
    assert back == BEFORE.replace("    assert a()\n", "    assert a()  # mine\n").replace(
        "import os\n", "import os\nimport sys\n"
    )


def test_an_edit_inside_the_addition_leaves_the_file_alone() -> None:
    assert take_back(BEFORE, WRITTEN, WRITTEN.replace("assert b()", "assert b() == 1")) is None
    inside = WRITTEN.replace("class TestB:\n", "class TestB:\n    x = 1\n")
    assert take_back(BEFORE, WRITTEN, inside) is None
