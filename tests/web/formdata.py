"""A browser's form serialization, for tests that post rendered editor forms without a browser."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class MultiDict:
    """What `FormLike` needs: ordered pairs, `get` (last value, as Starlette does) and `getlist`."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def get(self, key: str, default: Any = None) -> Any:
        values = self.getlist(key)
        return values[-1] if values else default

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k == key]

    def set(self, key: str, value: str) -> None:
        """Give the control `key` a new value (the last one: hidden markers before it stay)."""
        last = max(i for i, (k, _) in enumerate(self.pairs) if k == key)
        self.pairs[last] = (key, value)


class FormSerializer(HTMLParser):
    """Collects the successful controls of one <form>, in document order, as a browser posts them.

    Controls inside <template> are skipped (they are not part of the form until cloned), and so
    are disabled ones, and those inside a disabled <fieldset>."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = 0
        self.template = 0
        self.pairs: list[tuple[str, str]] = []
        self.textarea: tuple[str, list[str]] | None = None
        self.select: tuple[str, list[tuple[str, bool]], bool] | None = None
        self.option: dict[str, Any] | None = None
        self.fieldsets: list[bool] = []  # open <fieldset>s: whether each is disabled

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("id") == self.form_id or self.inside:
                self.inside += 1
            return
        if not self.inside:
            return
        if tag == "template":
            self.template += 1
        if self.template:
            return
        if tag == "fieldset":
            self.fieldsets.append("disabled" in a)
        if any(self.fieldsets) or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button"):
                return
            self.pairs.append((name, a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "textarea" and name:
            self.textarea = (name, [])
        elif tag == "select" and name:
            self.select = (name, [], "multiple" in a)
        elif tag == "option" and self.select is not None:
            self.option = {"value": a.get("value"), "selected": "selected" in a, "text": []}

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside -= 1
        elif tag == "template" and self.template:
            self.template -= 1
        elif tag == "fieldset" and self.fieldsets and not self.template:
            self.fieldsets.pop()
        elif tag == "textarea" and self.textarea:
            name, parts = self.textarea
            text = "".join(parts)
            self.pairs.append((name, text.removeprefix("\n")))
            self.textarea = None
        elif tag == "option" and self.option is not None and self.select is not None:
            value = (
                self.option["value"]
                if self.option["value"] is not None
                else "".join(self.option["text"])
            )
            self.select[1].append((value, self.option["selected"]))
            self.option = None
        elif tag == "select" and self.select is not None:
            name, options, multiple = self.select
            chosen = [v for v, selected in options if selected]
            if not multiple and not chosen and options:
                chosen = [options[0][0]]
            self.pairs.extend((name, v) for v in chosen)
            self.select = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea[1].append(data)
        elif self.option is not None:
            self.option["text"].append(data)


def serialize(html: str, form_id: str) -> MultiDict:
    parser = FormSerializer(form_id)
    parser.feed(html)
    return MultiDict(parser.pairs)
