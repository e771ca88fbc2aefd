"""docs/waitlist.md's example runs and prints what it says; the README's lines are from it."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "waitlist.md"


def _example() -> str:
    (block,) = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.DOTALL)
    return block


def test_the_waitlist_example_prints_what_its_comments_say() -> None:
    example = _example()
    expected = [line.removeprefix("# ") for line in example.splitlines() if line.startswith("# ")]
    printed = io.StringIO()

    with contextlib.redirect_stdout(printed):
        exec(compile(example, str(PAGE), "exec"), {"__name__": "waitlist_example"})  # noqa: S102

    assert printed.getvalue().splitlines() == expected


def test_the_readme_waitlist_lines_are_the_examples() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Waiting lists\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    example = _example()
    for line in block.splitlines():
        assert line in example, line
