"""The documentation stays true to the product: every route is on the HTTP page, and the README
stays a short front door that opens with the commands CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from boxoffice import Limits
from boxoffice.entrypoints.http.openapi import document

ROOT = Path(__file__).resolve().parents[2]
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def test_every_operation_of_the_openapi_document_is_on_the_http_page() -> None:
    page = (ROOT / "docs" / "http-api.md").read_text()
    operations = [
        f"`{method.upper()} {path}`"
        for path, item in document(Limits())["paths"].items()
        for method in item
        if method in HTTP_METHODS
    ]
    assert operations
    assert [operation for operation in operations if operation not in page] == []


def test_the_readme_is_short_and_opens_with_the_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    first_block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line for line in first_block.splitlines() if line and not line.startswith("#")]
    assert len(readme) < 8000
    assert commands[0].endswith(".venv/bin/boxoffice serve")
    assert commands[1] in ci.splitlines()


def test_every_command_in_the_readme_runs_from_an_unactivated_venv() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL)
    bare = re.compile(r"(?:^|&& |\$\()(boxoffice|pip|python|mkdocs|pytest)\b")
    for block in blocks:
        for line in block.splitlines():
            assert not bare.search(line), line


def test_the_readme_library_example_is_the_example_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```python\n", 1)[1].split("```", 1)[0]
    example = (ROOT / "examples" / "quickstart.py").read_text()
    # The file adds only its docstring: CI runs it from an installed wheel.
    assert example.split('"""\n\n', 1)[1] == block
