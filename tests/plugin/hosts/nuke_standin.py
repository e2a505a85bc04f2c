"""An in-process stand-in for the parts of Nuke's ``nuke`` module the adapter and runner call, written from
Foundry's documentation (not from the adapter), recording every call.

Sources (learn.foundry.com/nuke/developers/<version>/pythonreference or pythondevguide):
- ``nuke.selectedNodes(filter)``: "Returns a list of all selected nodes in the current group"; with a
  class name only those of that class. ``nuke.toNode(s)``: "Search for a node in the DAG by name and
  return it", None when absent. ``nuke.root()``: the Root node; ``root()['fps'].value()`` is a float.
- ``Node.knob(name)`` / ``node[name]``; ``Knob.value()``/``setValue()``; ``Node.input(i)``: "the i'th
  input", None when not connected; ``Node.setInput(i, node)``; ``Node.format()`` with ``width()``/
  ``height()``; ``Node.xpos()/ypos()/setXYpos(x, y)``; ``Node.setSelected(b)``; ``Node.name()``/``fullName()``.
- Merge (Reference Guide > Merge): inputs A and B, ``operation`` knob default ``over``; input 0 is B
  (the main input, passed through when disabled), 1 is A, 2 the mask.
- ``nuke.executeInMainThread(call, args=(), kwargs={})``: "Execute the callable 'call' ... in Nuke's
  main thread and return immediately": queued here, run by ``run_main_thread()``.
- ``nuke.ProgressTask(name)``: ``setProgress(i)``, ``setMessage(s)``, ``isCancelled()`` "True if the user
  has requested the task to be cancelled".
- ``nuke.allNodes(filter)``: "Returns a list of all nodes in the group", with a class name only those of that
  class. Every node has a ``disable`` knob (Reference Guide > Node tab); a disabled Read shows nothing.
- ``nuke.delete(node)``: "Delete a node" (what had it as an input is left unconnected there).
- ``nuke.show(node)`` opens its properties; ``nuke.message(text)`` shows a dialog.
- File knobs (``nuke.File_Knob``, an ``EvalString_Knob``: "A string-valued knob which evaluates its value as
  a TCL expression"): ``value()`` is the text as typed; ``evaluate()`` "Evaluate the string, performing
  substitutions" (the Tcl commands in ``[...]``, and the frame number for ``####``/``%04d`` at the current
  frame). ``nuke.filename(node)``: "Return the filename(s) this node ... is working with ... All expansion of
  commands and variables is done. However by default it will still have %04d sequences in it." The Tcl
  modelled: ``[value root.name]`` (a knob's value, ``node.knob``), ``[file dirname|tail|rootname|extension
  PATH]`` and ``[file join A B]`` (Tcl's ``file`` command); anything else fails as Tcl does ("invalid
  command name").
- Read's frame knobs (Reference Guide > Read, "frame": ``frame_mode`` "expression" / "start at" / "offset"
  and the ``frame`` text): "start at" N plays the file's ``first`` frame at script frame N; "offset" N plays
  file frame F at script frame F + N; an expression gives the file frame to read at each script frame
  (empty: the script frame). Outside ``first``-``last`` the Read holds (``before``/``after`` default
  "hold"). ``Node.metadata("input/frame", t)`` answers the file frame read at script frame ``t``.
- User knobs: ``nuke.String_Knob(name, label)`` ("A knob which holds a string value"): ``setValue``/``setText``
  store the text, ``getText()`` "Get the non-evaluated value", ``value()`` "Get the evaluated value" (the text as
  Tcl: brackets run commands); ``Knob.setFlag(f)``/``getFlag(f)`` with ``nuke.INVISIBLE`` ("Disables panel and
  Viewer widgets") and ``nuke.DO_NOT_WRITE`` ("Disables writing knob data to the script file");
  ``Node.addKnob(k)`` "Add knob k to this node". A user knob is saved with the script unless DO_NOT_WRITE.
- ``nuke.scriptSave(filename=None)`` saves the script (to root's ``name``, else ``filename``);
  ``nuke.scriptOpen(filename)`` opens one into an empty session. The stand-in's file is its own JSON, holding what
  a .nk holds for these nodes: each node's class, knob values (user knobs with their class and flags), inputs
  by node name, position and selection; a fresh ``NukeStandIn`` opening it is Nuke after a restart.
- ``nuke.menu(name)`` ("Nuke" is the main menu bar) → Menu; ``Menu.addMenu(name)`` → Menu;
  ``Menu.addCommand(name, command)`` adds an item running ``command`` (a callable or a string of Python).
"""

from __future__ import annotations

import json
import os
import re
import threading


class Knob:
    def __init__(self, value=""):
        self._value = value

    def value(self):
        return self._value

    def getText(self):
        return self._value

    def setValue(self, value):
        self._value = value
        return True


INVISIBLE, DO_NOT_WRITE = 0x400, 0x200  # flag bits: code under test uses only the names


class String_Knob(Knob):
    def __init__(self, name, label=None, value=""):
        super().__init__(value)
        self._name, self.label, self.flags, self.node = name, label, 0, None

    def name(self):
        return self._name

    def setText(self, text):
        return self.setValue(text)

    def getText(self):
        return self._value

    def value(self):  # evaluated as Tcl, as Nuke does
        return self.node.nuke.expand_tcl(str(self._value))

    def setFlag(self, flag):
        self.flags |= flag

    def getFlag(self, flag):
        return bool(self.flags & flag)


class FileKnob(Knob):
    def __init__(self, value, node):
        super().__init__(value)
        self.node = node

    def evaluate(self):
        text = self.node.nuke.expand_tcl(str(self.value()))
        return re.sub(r"#+|%0?(\d*)d", lambda m: f"{self.node.nuke.frame():0{_width(m)}d}", text)


def _width(match):
    return len(match.group(0)) if match.group(0).startswith("#") else int(match.group(1) or 0)


class Format:
    def __init__(self, width, height):
        self._size = (width, height)

    def width(self):
        return self._size[0]

    def height(self):
        return self._size[1]


KNOBS = {  # the knobs each class has (Reference Guide), with their defaults
    "Read": {
        "file": "",
        "first": 1,
        "last": 1,
        "origfirst": 1,
        "origlast": 1,
        "colorspace": "default",
        "label": "",
        "name": "",
        "frame_mode": "expression",
        "frame": "",
        "disable": False,
    },
    "Merge2": {"operation": "over", "label": "", "name": "", "disable": False},
    "Root": {"fps": 24.0, "name": "", "first_frame": 1, "last_frame": 100},
}
MAX_INPUTS = {"Read": 0, "Merge2": 3, "Root": 0}  # Merge: B, A, mask


class Node:
    def __init__(self, nuke, cls, name, size=(1920, 1080), **knobs):
        self.nuke, self._class, self._selected = nuke, cls, False
        self._knobs = {k: FileKnob(v, self) if k == "file" else Knob(v) for k, v in KNOBS[cls].items()}
        self._knobs["name"].setValue(name)
        for key, value in knobs.items():
            self._knobs[key].setValue(value)
        self._inputs = [None] * MAX_INPUTS[cls]
        self._format, self._xy = Format(*size), (0, 0)

    def Class(self):
        return self._class

    def name(self):
        return self._knobs["name"].value()

    def fullName(self):
        return self.name()

    def knob(self, name):
        return self._knobs.get(name)

    def addKnob(self, knob):
        self.nuke.calls.append(("addKnob", self.name(), knob.name()))
        knob.node = self
        self._knobs[knob.name()] = knob

    def saved(self):
        """What the script file holds for this node (see the module docstring)."""
        knobs = {k: v.getText() for k, v in self._knobs.items() if not isinstance(v, String_Knob)}
        users = {k: [v.getText(), v.label, v.flags] for k, v in self._knobs.items() if isinstance(v, String_Knob)}
        return {
            "class": self._class,
            "knobs": knobs,
            "user_knobs": {k: v for k, v in users.items() if not v[2] & DO_NOT_WRITE},
            "inputs": [n.name() if n else None for n in self._inputs],
            "xy": list(self._xy),
            "size": [self._format.width(), self._format.height()],
            "selected": self._selected,
        }

    def __getitem__(self, name):
        if name not in self._knobs:
            raise NameError(f"knob {name} does not exist")  # what Nuke raises for a missing knob
        return self._knobs[name]

    def input(self, i):
        return self._inputs[i] if i < len(self._inputs) else None

    def setInput(self, i, node):
        self.nuke.calls.append(("setInput", self.name(), i, node.name() if node else None))
        if i >= len(self._inputs):
            return False
        self._inputs[i] = node
        return True

    def format(self):
        return self._format

    def metadata(self, key, time=None):
        if self._class != "Read" or key != "input/frame":
            return None
        return self.file_frame(self.nuke.frame() if time is None else int(time))

    def file_frame(self, t):
        first, last = int(self["first"].value()), int(self["last"].value())
        mode, text = self["frame_mode"].value(), str(self["frame"].value()).strip()
        if mode == "start at":
            wanted = t - int(text) + first
        elif mode == "offset":
            wanted = t - int(text)
        elif text in ("", "frame"):
            wanted = t
        else:  # the expressions modelled: frame+N, frame-N
            sign, number = re.fullmatch(r"frame\s*([+-])\s*(\d+)", text).groups()
            wanted = t + int(number) if sign == "+" else t - int(number)
        return min(max(wanted, first), last)  # before/after: hold

    def xpos(self):
        return self._xy[0]

    def ypos(self):
        return self._xy[1]

    def setXYpos(self, x, y):
        self._xy = (x, y)

    def setSelected(self, selected):
        self._selected = bool(selected)

    def isSelected(self):
        return self._selected


class ProgressTask:
    def __init__(self, nuke, name):
        self.nuke, self.name, self.progress, self.messages = nuke, name, [], []
        nuke.tasks.append(self)

    def setProgress(self, i):
        self.progress.append(i)

    def setMessage(self, s):
        self.messages.append(s)

    def isCancelled(self):
        return self.nuke.cancel_requested.is_set()


class Nodes:
    def __init__(self, nuke):
        self.nuke = nuke

    def Read(self, **knobs):
        return self.nuke.add(Node(self.nuke, "Read", self.nuke.next_name("Read"), **knobs))

    def Merge2(self, **knobs):
        return self.nuke.add(Node(self.nuke, "Merge2", self.nuke.next_name("Merge"), **knobs))


class Menu:
    def __init__(self, name):
        self.name, self.items = name, {}

    def addMenu(self, name):
        return self.items.setdefault(name, Menu(name))

    def addCommand(self, name, command=None, shortcut="", icon=""):
        self.items[name] = command


class NukeStandIn:
    def __init__(self, fps=24.0, script="/shots/sh010/comp.nk"):
        self.all, self.calls, self.tasks, self.messages, self.shown = [], [], [], [], []
        self.main_queue, self.cancel_requested = [], threading.Event()
        self._root = Node(self, "Root", "root", fps=fps)
        self._root["name"].setValue(script)
        self.nodes = Nodes(self)
        self.menus = {}
        self._frame = 1
        self.answers, self.prompts = [], []

    def add(self, node):
        self.all.append(node)
        self.calls.append(("create", node.Class(), node.name()))
        return node

    def next_name(self, prefix):
        taken = {n.name() for n in self.all}
        return next(f"{prefix}{i}" for i in range(1, 10_000) if f"{prefix}{i}" not in taken)

    def read(self, name, file, first, last, size=(1920, 1080), colorspace="ACES - ACEScg", selected=True, **knobs):
        node = self.add(
            Node(self, "Read", name, size=size, file=file, first=first, last=last, colorspace=colorspace, **knobs)
        )
        node.setSelected(selected)
        return node

    # --- the nuke module's functions --------------------------------------------------------
    def root(self):
        return self._root

    def frame(self):
        return self._frame

    def filename(self, node, i=None):
        knob = node.knob("file")
        return self.expand_tcl(str(knob.value())) if knob is not None and knob.value() else None

    def expand_tcl(self, text):
        """Tcl command substitution, innermost brackets first (see the module docstring for the commands)."""
        inner = re.compile(r"\[([^\[\]]*)\]")
        while inner.search(text):
            text = inner.sub(lambda m: self._tcl(m.group(1).split()), text, count=1)
        return text

    def _tcl(self, words):
        if len(words) == 2 and words[0] == "value":
            node_name, _, knob = words[1].rpartition(".")
            node = self._root if node_name == "root" else self.toNode(node_name)
            if node is None or node.knob(knob) is None:
                raise RuntimeError(f'can\'t read "{words[1]}": no such knob')
            return str(node.knob(knob).value())
        if len(words) >= 3 and words[0] == "file":
            ops = {
                "dirname": os.path.dirname,
                "tail": os.path.basename,
                "rootname": lambda p: os.path.splitext(p)[0],
                "extension": lambda p: os.path.splitext(p)[1],
                "join": lambda *p: os.path.join(*p),
            }
            if words[1] in ops:
                return ops[words[1]](*words[2:])
        raise RuntimeError(f'invalid command name "{words[0] if words else ""}"')

    def selectedNodes(self, filter=None):
        return [n for n in self.all if n.isSelected() and (filter is None or n.Class() == filter)]

    def allNodes(self, filter=None):
        return [n for n in self.all if filter is None or n.Class() == filter]

    def delete(self, node):
        """``nuke.delete(node)``: "Delete a node"; the nodes that had it as an input are left without it."""
        self.calls.append(("delete", node.name()))
        self.all.remove(node)
        for other in self.all:
            other._inputs = [None if n is node else n for n in other._inputs]

    def toNode(self, name):
        return next((n for n in self.all if n.name() == name), None)

    def show(self, node):
        self.shown.append(node.name())

    def message(self, text):
        self.messages.append(text)

    # nuke.getFilename(message, pattern=None, default=None, ...) and nuke.getInput(prompt, default=None) return
    # what the artist typed, or None on Cancel: here the next of ``answers`` (a test's list), prompts kept
    def getFilename(self, message, pattern=None, default=None, **options):
        self.prompts.append(message)
        return self.answers.pop(0)

    def getInput(self, prompt, default=None):
        self.prompts.append((prompt, default))
        return self.answers.pop(0)

    def executeInMainThread(self, call, args=(), kwargs=None):
        if not isinstance(args, tuple):
            args = (args,)
        self.main_queue.append((call, args, dict(kwargs or {})))

    String_Knob = String_Knob
    INVISIBLE, DO_NOT_WRITE = INVISIBLE, DO_NOT_WRITE

    def scriptSave(self, filename=None):
        path = filename or self._root["name"].value()
        nodes = [self._root.saved()] + [n.saved() for n in self.all]
        with open(path, "w", encoding="utf-8") as file:
            json.dump(nodes, file)
        return True

    def scriptOpen(self, filename):
        assert not self.all, "the stand-in opens a script into an empty session only"
        with open(filename, encoding="utf-8") as file:
            root, *nodes = json.load(file)
        self._root = self._load(root, Node(self, "Root", "root"))
        for saved in nodes:
            self.add(self._load(saved, Node(self, saved["class"], saved["knobs"]["name"], size=saved["size"])))
        for saved, node in zip(nodes, self.all):
            node._inputs = [self.toNode(name) if name else None for name in saved["inputs"]]
        self._root["name"].setValue(filename)

    def _load(self, saved, node):
        for key, value in saved["knobs"].items():
            node[key].setValue(value)
        for key, (text, label, flags) in saved["user_knobs"].items():
            knob = String_Knob(key, label, text)
            knob.setFlag(flags)
            node.addKnob(knob)
        node.setXYpos(*saved["xy"])
        node.setSelected(saved["selected"])
        return node

    def ProgressTask(self, name):
        return ProgressTask(self, name)

    def menu(self, name):
        return self.menus.setdefault(name, Menu(name))

    def run_main_thread(self):
        """Run what worker threads handed to the main thread, in order (Nuke's event loop)."""
        while self.main_queue:
            call, args, kwargs = self.main_queue.pop(0)
            call(*args, **kwargs)
