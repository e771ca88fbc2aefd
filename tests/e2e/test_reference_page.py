"""GET /docs in a real browser, against `boxoffice serve`: the operations render, a person can
look at the page, and a token pasted under Authorize is sent with the secured calls.

The screenshot is kept under pytest's tmp dir and copied to SCREENSHOT, whose path the test
prints.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import DevTools, require_chromium, run
from tests.e2e.server import Server

pytestmark = pytest.mark.slow

SCREENSHOT = Path(tempfile.gettempdir()) / "boxoffice-test-artifacts" / "docs-page.png"
# Virtual time lets the page's scripts and its fetch of /openapi.json finish before the dump.
_SETTLE = "--virtual-time-budget=10000"


@pytest.fixture(scope="module")
def chromium() -> str:
    return require_chromium()


@pytest.fixture(scope="module")
def server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("data")
    started = Server(data_dir=data_dir, workers=1, threads=4).start()
    yield started
    started.stop()


def test_the_page_renders_every_operation(
    chromium: str, server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{server.base_url}/docs"

    dom = run(chromium, tmp_path / "profile", _SETTLE, "--dump-dom", url)

    rendered = set(re.findall(r'opblock-summary-method">(\w+)</span>.*?data-path="([^"]+)"', dom))
    assert ("POST", "/bookings") in rendered
    document = server.call("GET", "/openapi.json").body
    declared = {(m.upper(), p) for p, item in document["paths"].items() for m in item}
    assert rendered == declared

    shot = tmp_path / "docs-page.png"
    size = "--window-size=1280,2000"
    run(chromium, tmp_path / "profile", _SETTLE, f"--screenshot={shot}", size, url)
    assert shot.read_bytes().startswith(b"\x89PNG")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    shutil.copyfile(shot, SCREENSHOT)
    with capsys.disabled():
        print(f"\nscreenshot of /docs: {SCREENSHOT}")


# Drives the page as a person would: opens GET /bookings, Try it out, Execute; with `token`,
# first pastes it under Authorize. Returns the status the page shows and any policy violation.
_EXECUTE = """
(async (token) => {
  const $ = (selector, root = document) => root.querySelector(selector);
  const until = async (find, what) => {
    for (let i = 0; i < 400; i++) {
      const found = find();
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error("the page shows no " + what);
  };
  const type = (input, text) => {
    // React reads the field from its input event, not from a plain assignment.
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
    setter.call(input, text);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  };
  const authorize = await until(() => $(".auth-wrapper .authorize"), "Authorize button");
  if (token) {
    authorize.click();
    type(await until(() => $(".modal-ux input"), "token field"), token);
    $(".modal-ux .auth-btn-wrapper .authorize").click();
    await until(() => $('.modal-ux [aria-label="Remove authorization"]'), "Logout button");
    $(".modal-ux .close-modal").click();
  }
  const op = await until(() => $("#operations-default-get_bookings"), "GET /bookings");
  $(".opblock-summary-control", op).click();
  (await until(() => $(".try-out__btn", op), "Try it out")).click();
  (await until(() => $(".execute", op), "Execute")).click();
  const status = await until(
    () => $(".live-responses-table .response .response-col_status", op), "response"
  );
  return {
    status: status.textContent.trim(),
    locked: authorize.classList.contains("locked"),
    violations: window.violations,
  };
})
"""

_WATCH_POLICY = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def _log_in(server: Server) -> str:
    account = {"name": "Ada", "email": "ada@example.com", "password": "correct horse battery"}
    assert server.call("POST", "/signup", {**account, "role": "user"}).status == 201
    reply = server.call("POST", "/login", {k: account[k] for k in ("email", "password")})
    assert reply.status == 200
    token: str = reply.body["access_token"]
    return token


def test_a_pasted_token_authorizes_the_secured_calls(
    chromium: str, server: Server, tmp_path: Path
) -> None:
    token = _log_in(server)
    browser = DevTools(chromium, tmp_path / "profile", tmp_path / "chromium.log")
    try:
        browser.send("Page.enable")
        browser.send("Page.addScriptToEvaluateOnNewDocument", source=_WATCH_POLICY)

        def execute(with_token: str | None) -> dict[str, object]:
            browser.send("Page.navigate", url=f"{server.base_url}/docs")
            browser.wait_for("Page.loadEventFired")
            result: dict[str, object] = browser.evaluate(f"{_EXECUTE}({json.dumps(with_token)})")
            return result

        anonymous = execute(None)
        authorized = execute(token)
        # persistAuthorization: after a reload, the page still sends the pasted token.
        reloaded = execute(None)
    finally:
        browser.close()

    assert anonymous == {"status": "401", "locked": False, "violations": []}
    assert authorized == {"status": "200", "locked": True, "violations": []}
    assert reloaded == {"status": "200", "locked": True, "violations": []}
