"""The layer's Read → Merge2(over) as a ``.nk`` snippet to paste into any script, and a small ``.nk`` reader.

A ``.nk`` script is Tcl run by Nuke: a node is ``Class { knob value ... }``; nodes connect through
a stack. A node with ``inputs N`` (default 1) pops N nodes, the first popped (the node just above
it) being input 0, then pushes itself; ``inputs 0`` starts a new branch; ``set VAR [stack 0]``
names the node on top; ``push $VAR`` pushes it again and ``push 0`` pushes an empty input;
``Group {..}`` opens a group closed by ``end_group``. (Foundry writes inputs so that input 0 is
always the node directly above; maxWiklund/nuke_parser reads them the same way: pop → input 0, 1, ...)

So in the snippet the layer is written first and the plate last: Merge2 pops the plate as input 0
(B, background) and the layer as input 1 (A, over it); see ``adapter.py`` for the input order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from faceplate_host.errors import NkError
from faceplate_host.shots import FrameSpan, LayerPlacement, Shot

GROUP_CLASSES = ("Group", "LiveGroup")
# Script-level commands written as `word {...}` that are not nodes.
NOT_NODES = ("define_window_layout_xml", "add_layer", "version", "set", "push", "clone", "end_group")
_SAFE_WORD = re.compile(r"[A-Za-z0-9_./:#%@+\-]+")


@dataclass
class NkNode:
    cls: str
    knobs: dict = field(default_factory=dict)
    inputs: list = field(default_factory=list)  # NkNode or None per input number
    line: int = 0

    @property
    def name(self) -> str:
        return self.knobs.get("name", "")

    def input(self, number: int) -> Optional["NkNode"]:
        return self.inputs[number] if number < len(self.inputs) else None


@dataclass
class NkScript:
    nodes: list[NkNode]

    def named(self, name: str) -> NkNode:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(f"no node named {name!r}")

    def of_class(self, cls: str) -> list[NkNode]:
        return [n for n in self.nodes if n.cls == cls]


# --- writing -----------------------------------------------------------------------------------
def tcl_word(value) -> str:
    """A knob value as one Tcl word: bare when safe, else double-quoted with \\ " [ ] $ escaped."""
    text = str(value)
    if text and _SAFE_WORD.fullmatch(text):
        return text
    return '"' + re.sub(r'([\\"\[\]$])', r"\\\1", text).replace("\n", "\\n") + '"'


def node_text(cls: str, knobs: list[tuple[str, object]]) -> str:
    return cls + " {\n" + "".join(f" {key} {tcl_word(value)}\n" for key, value in knobs) + "}\n"


def read_node_text(file: str, frames: FrameSpan, knobs: list[tuple[str, object]]) -> str:
    """A Read node of ``file``'s ``frames``, then ``knobs`` (colour space, name, position...)."""
    return node_text("Read", [("inputs", 0), ("file", file), ("first", frames.first), ("last", frames.last), *knobs])


def layer_snippet(shot: Shot, placement: LayerPlacement, version: str = "13.0 v1") -> str:
    """The graph ``NukeAdapter.place`` builds, as text: the layer Read, the plate Read, Merge2 over."""
    from faceplate_host.hosts.nuke.adapter import flag_label

    layer_name = f"FaceplateLayer_{_node_name(shot.name)}"
    space = [("colorspace", shot.colour_space)] if shot.colour_space else []
    frames = placement.layer_frames
    layer = read_node_text(
        placement.layer_pattern,
        frames,
        [("origfirst", frames.first), ("origlast", frames.last), *space, ("name", layer_name)]
        + [("label", f"faceplate layer\n{frames}"), ("xpos", 110), ("ypos", 0)],
    )
    plate = read_node_text(shot.media, shot.source, [*space, ("name", _node_name(shot.name)), ("xpos", 0), ("ypos", 0)])
    merge = node_text(
        "Merge2",
        [
            ("inputs", 2),
            ("operation", "over"),
            ("name", f"FaceplateMerge_{_node_name(shot.name)}"),
            ("label", flag_label(placement)),
            ("xpos", 0),
            ("ypos", 110),
        ],
    )
    return f"set cut_paste_input [stack 0]\nversion {version}\n" + layer + plate + merge


def _node_name(text: str) -> str:
    """Nuke node names are identifiers: anything else becomes ``_``."""
    name = re.sub(r"\W", "_", text) or "plate"
    return name if not name[0].isdigit() else "_" + name


# --- reading -----------------------------------------------------------------------------------
def read_nk(path) -> NkScript:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise NkError(f"{path}: cannot read the Nuke script ({exc.strerror})") from None
    return parse_nk(text, str(path))


def parse_nk(text: str, source: str = "<nk>") -> NkScript:
    """Every node of the script with its knobs and its inputs wired as Nuke would."""
    reader = _Reader(source)
    for line, words in _commands(text, source):
        reader.run(line, words)
    reader.finish()
    return NkScript(reader.nodes)


class _Reader:
    def __init__(self, source: str):
        self.source, self.nodes, self.stack, self.saved, self.groups = source, [], [], {}, []

    def run(self, line: int, words: list[str]) -> None:
        head = words[0]
        if head == "set" and len(words) == 3 and words[2].startswith("[stack"):
            depth = int(re.sub(r"\D", "", words[2]) or 0)
            self.saved[words[1]] = self.stack[-1 - depth] if depth < len(self.stack) else None
        elif head == "push" and len(words) == 2:
            self.stack.append(None if words[1] == "0" else self._saved(words[1], line))
        elif head == "end_group":
            if not self.groups:
                raise NkError(f"{self.source}:{line}: end_group without a Group")
            group, self.stack = self.groups.pop()
            self.stack.append(group)
        elif head == "clone" and len(words) == 3 and words[2].startswith("{"):
            original = self._saved(words[1], line)
            self.add_node(original.cls if original else "clone", words[2], line)
        elif len(words) == 2 and words[1].startswith("{") and re.fullmatch(r"[\w.]+", head) and head not in NOT_NODES:
            self.add_node(head, words[1], line)
        # anything else (version, define_window_layout_xml, add_layer, knob defaults ...) wires nothing

    def _saved(self, word: str, line: int) -> Optional[NkNode]:
        name = word.lstrip("$")
        if name not in self.saved:
            raise NkError(f"{self.source}:{line}: push {word} before any 'set {name}'")
        return self.saved[name]

    def add_node(self, cls: str, body: str, line: int) -> None:
        knobs = {}
        for _, words in _commands(body[1:-1], self.source, line):
            knobs[words[0]] = " ".join(words[1:]) if len(words) > 2 else (words[1] if len(words) > 1 else "")
        node = NkNode(cls, knobs, line=line)
        count = _input_count(knobs.get("inputs", "1"), self.source, line)
        node.inputs = [self.stack.pop() if self.stack else None for _ in range(count)]
        self.nodes.append(node)
        if cls in GROUP_CLASSES:
            self.groups.append((node, self.stack))
            self.stack = []
        else:
            self.stack.append(node)

    def finish(self) -> None:
        if self.groups:
            raise NkError(
                f"{self.source}: Group {self.groups[-1][0].name!r} (line {self.groups[-1][0].line}) "
                "has no end_group: the script is cut short"
            )


def _input_count(text: str, source: str, line: int) -> int:
    """``inputs 2`` or ``inputs 2+1`` (two inputs and a mask)."""
    if not re.fullmatch(r"\d+(\+\d+)*", text.strip()):
        raise NkError(f"{source}:{line}: 'inputs {text}' is not a number of inputs")
    return sum(int(part) for part in text.split("+"))


def _commands(text: str, source: str, first_line: int = 1):
    """(line, words) of each command: words split on blanks; "..." (backslash escapes), {...} and [...]
    (nested) are one word each; a newline or ';' ends a command; '#' at a command's start is a comment."""
    words, word, line, i, n = [], None, first_line, 0, len(text)
    start_line = line
    while i < n:
        ch = text[i]
        if ch in " \t\r":
            if word is not None:
                words.append(word)
                word = None
            i += 1
        elif ch in "\n;":
            if word is not None:
                words.append(word)
                word = None
            if words:
                yield start_line, words
            words = []
            line += ch == "\n"
            i += 1
        elif ch == "#" and not words and word is None:
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif ch == '"' and word is None:
            value, i, lines = _quoted(text, i, source, line)
            start_line = line if not words else start_line
            words.append(value)
            line += lines
        elif ch in "{[" and word is None:
            value, i, lines = _braced(text, i, source, line)
            start_line = line if not words else start_line
            words.append(value)
            line += lines
        elif ch == "\\" and i + 1 < n and text[i + 1] == "\n":
            i, line = i + 2, line + 1  # a continued line
        else:
            if word is None:
                word = ""
                start_line = line if not words else start_line
            word += ch
            i += 1
    if word is not None:
        words.append(word)
    if words:
        yield start_line, words


def _quoted(text: str, i: int, source: str, line: int) -> tuple[str, int, int]:
    out, j, n = [], i + 1, len(text)
    escapes = {"n": "\n", "t": "\t"}
    while j < n:
        ch = text[j]
        if ch == "\\" and j + 1 < n:
            out.append(escapes.get(text[j + 1], text[j + 1]))
            j += 2
        elif ch == '"':
            return "".join(out), j + 1, text.count("\n", i, j)
        else:
            out.append(ch)
            j += 1
    raise NkError(f"{source}:{line}: a quoted value is never closed")


def _braced(text: str, i: int, source: str, line: int) -> tuple[str, int, int]:
    """A {...} or [...] word, kept with its brackets; nesting counted, backslash-escaped brackets skipped."""
    opening = text[i]
    closing = "}" if opening == "{" else "]"
    depth, j, n = 0, i, len(text)
    while j < n:
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == opening:
            depth += 1
        elif ch == closing:
            depth -= 1
            if depth == 0:
                return text[i : j + 1], j + 1, text.count("\n", i, j)
        j += 1
    raise NkError(f"{source}:{line}: '{opening}' is never closed (the script is cut short or damaged)")
