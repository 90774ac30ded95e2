"""Opening a view's page file in headless Chromium, for the browser tests of tests/views.

Every request but the page itself is refused and recorded, and so is every console error: a
view must work offline and cleanly. Chromium comes from the `browser` fixture in conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Opened:
    page: Any
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def js(self, expression: str) -> Any:
        return self.page.evaluate(expression)


@contextmanager
def page_opener(browser: Any) -> Iterator[Callable[[Path], Opened]]:
    """A function that opens a page file in a fresh context, waiting until it has drawn; the
    contexts are closed on leaving."""
    contexts = []

    def _open(path: Path) -> Opened:
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        contexts.append(context)
        page = context.new_page()
        url = path.resolve().as_uri()
        opened = Opened(page)

        def route(r: Any) -> None:
            if r.request.url == url:
                r.continue_()
            else:
                opened.blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page.on("console", lambda m: m.type == "error" and opened.errors.append(m.text))
        page.on("pageerror", lambda e: opened.errors.append(str(e)))
        page.on("requestfailed", lambda r: r.url != url and opened.blocked.append(r.url))
        page.goto(url)
        page.wait_for_function("window.emg && window.emg.times.drawn !== null", timeout=15000)
        return opened

    try:
        yield _open
    finally:
        for context in contexts:
            context.close()


def painted_pixels(opened: Opened) -> int:
    """How many canvas pixels are neither blank nor the white background."""
    return int(
        opened.js("""() => {
        const c = document.querySelector('#graph canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) {
            if (d[i + 3] > 0 && (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235)) n++;
        }
        return n;
    }""")
    )


def check_page(opened: Opened, data: dict[str, Any]) -> None:
    """The page drew what its data holds (a large view: its overview), painted the canvas,
    logged no error and asked for nothing over the network."""
    assert opened.js("typeof window.vis") == "object", "vis-network did not load"
    counts = opened.js("[emg.network.body.nodeIndices.length, emg.network.body.edgeIndices.length]")
    first = set(data["overview"]) or set(range(len(data["nodes"])))  # a large view: its overview
    links = [e for e in data["edges"] if e["f"] in first and e["t"] in first]
    assert counts == [len(first), len(links)]
    assert painted_pixels(opened) > 200, "the canvas is blank"
    assert opened.errors == [], opened.errors
    assert opened.blocked == [], opened.blocked
