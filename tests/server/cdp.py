"""A headless Chromium driven over the Chrome DevTools Protocol (a websocket; websocket-client), enough for
the dashboard test: open a page, evaluate JavaScript, click like a mouse, take a screenshot."""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import time
import urllib.request
from pathlib import Path


class Browser:
    """``with Browser(chromium, profile) as page: page.open(url)``; the browser is killed on exit."""

    def __init__(self, executable: str, profile: Path, size: tuple[int, int] = (1600, 1000)):
        self.executable, self.profile, self.size = executable, profile, size
        self.process: subprocess.Popen | None = None
        self.socket = None
        self._ids = itertools.count(1)
        self.events: list[dict] = []  # protocol events seen while waiting for answers (console, log)

    def __enter__(self) -> "Browser":
        import websocket

        self.profile.mkdir(parents=True, exist_ok=True)
        width, height = self.size
        self.process = subprocess.Popen(
            [
                self.executable,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(self.profile / "chromium.log", "wb"),
        )
        port = self._debugging_port()
        pages = [t for t in _get_json(f"http://127.0.0.1:{port}/json/list") if t["type"] == "page"]
        self.socket = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Log.enable")
        return self

    def __exit__(self, *exc) -> None:
        if self.socket is not None:
            self.socket.close()
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)

    def _debugging_port(self) -> int:
        """Chromium writes the port it chose to DevToolsActivePort in its profile folder."""
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if marker.is_file() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"chromium did not start: {(self.profile / 'chromium.log').read_text()[-2000:]}")

    # --- protocol ----------------------------------------------------------------------------
    def send(self, method: str, **params) -> dict:
        """Call a CDP method and return its result (events arriving meanwhile are kept in ``events``)."""
        call_id = next(self._ids)
        self.socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if "method" in message:
                self.events.append(message)
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def open(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'", 30, "the page to load")

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(
                f"{expression}: {result['exceptionDetails'].get('text')} "
                f"{result['exceptionDetails'].get('exception', {}).get('description', '')}"
            )
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout_s: float, what: str):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        seen = self.evaluate("document.body ? document.body.innerText.slice(0, 1500) : ''")
        raise AssertionError(
            f"timed out after {timeout_s} s waiting for {what} ({expression}); the page shows:\n{seen}"
        )

    def click(self, selector: str) -> None:
        """A real mouse click (press and release) at the middle of the element."""
        box = self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    def console_errors(self) -> list[str]:
        """Uncaught exceptions, console.error calls and browser log errors (a failed image load) so far."""
        errors = []
        for event in self.events:
            params = event.get("params", {})
            if event["method"] == "Runtime.exceptionThrown":
                errors.append(params["exceptionDetails"].get("text", "exception"))
            elif event["method"] == "Runtime.consoleAPICalled" and params.get("type") == "error":
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
            elif event["method"] == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                errors.append(f"{params['entry'].get('text')} {params['entry'].get('url', '')}")
        return errors

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())
