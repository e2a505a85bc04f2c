"""A stand-in for Fusion's UIManager as Resolve's scripting examples use it (Workspace > Scripts globals
``fusion`` and ``bmd``): ``dispatcher = bmd.UIDispatcher(fusion.UIManager)``, ``ui.VGroup([...])`` /
``ui.HGroup([...])`` of ``ui.Label``, ``ui.LineEdit``, ``ui.ComboBox``, ``ui.Button`` made from a property
table (``ID``, ``Text``...), ``dispatcher.AddWindow(properties, root)``, ``window.GetItems()[ID]``,
``ComboBox.AddItems(list)`` / ``CurrentText``, handlers set as ``window.On.<ID>.Clicked`` (buttons) and
``window.On.<window ID>.Close``, ``window.Show()``/``Hide()``, ``dispatcher.RunLoop()`` until ``ExitLoop()``;
``ui.Timer({"ID", "Interval"})`` (UITimer in the Fusion script reference: a QTimer with ``Interval``, ``Start()``,
``Stop()``, ``IsActive``). A timer belongs to no window: its ``Timeout`` event is the dispatcher's,
``dispatcher.On.Timeout(ev)`` with ``ev["who"]`` the timer's ID, and a ``window.On.<timer ID>.Timeout`` handler is
never called (Blackmagic publishes no UIManager reference; this is what scripts written against Fusion and
Resolve rely on, several noting that the window-level handler never fires).

The artist is a test's function, called inside ``RunLoop`` with the window: it types into the fields and
presses a button (``window.click(ID)``), closes the window (``window.close()``) or lets a started timer fire
(``window.timeout(ID)``) while ``window.looping()``. A label keeps every text it showed (``texts``).
"""

from __future__ import annotations

from types import SimpleNamespace

WIDGETS = ("Label", "LineEdit", "ComboBox", "Button", "Timer")
GROUPS = ("VGroup", "HGroup")


class Widget:
    def __init__(self, kind, properties=None, children=()):
        self.kind, self.children, self.items = kind, list(children), []
        self.ID, self.CurrentText, self.IsActive = None, "", False
        self.__dict__.update(Text="", texts=[])  # texts: what the script showed, from its properties on
        for key, value in (properties or {}).items():
            setattr(self, key, value)

    def __setattr__(self, name, value):
        if name == "Text":
            self.__dict__.setdefault("texts", []).append(value)
        super().__setattr__(name, value)

    def AddItems(self, items):
        self.items += list(items)

    def Start(self):
        self.IsActive = True

    def Stop(self):
        self.IsActive = False


class UIManager:
    def __init__(self):
        self.timers = {}

    def __getattr__(self, kind):
        if kind == "Timer":
            return lambda properties: self.timers.setdefault(properties["ID"], Widget(kind, properties))
        if kind in WIDGETS:
            return lambda properties=None: Widget(kind, properties)
        if kind in GROUPS:
            return lambda *args: Widget(
                kind,
                *([a for a in args if isinstance(a, dict)][:1] or [None]),
                children=next((a for a in args if isinstance(a, list)), []),
            )
        raise AttributeError(f"UIManager has no {kind}")


class Handlers(SimpleNamespace):
    def __getattr__(self, name):  # window.On.Send: created on first use, its events set by the script
        value = SimpleNamespace()
        setattr(self, name, value)
        return value


class Window:
    def __init__(self, properties, root):
        self.properties, self.root, self.On, self.shown = properties, root, Handlers(), []

    def GetItems(self):
        found, todo = {}, [self.root]
        while todo:
            widget = todo.pop()
            if widget.ID:
                found[widget.ID] = widget
            todo += widget.children
        return found

    def Show(self):
        self.shown.append(True)

    def Hide(self):
        self.shown.append(False)

    def click(self, button):
        getattr(self.On, button).Clicked({"what": "Clicked", "who": button})

    def close(self):
        getattr(self.On, self.properties["ID"]).Close({"what": "Close"})

    def timeout(self, timer):
        """The timer fires while this window's loop runs: the dispatcher's handler gets it."""
        self.dispatcher.timeout(timer)

    def looping(self):
        return self.dispatcher.running


class Dispatcher:
    def __init__(self, ui, artist):
        self.ui, self.artist, self.windows, self.running = ui, artist, [], False
        self.On = SimpleNamespace()

    def timeout(self, timer):
        assert self.ui.timers[timer].IsActive, f"timer {timer} was never started: it would not fire"
        handler = getattr(self.On, "Timeout", None)
        if handler is not None:
            handler({"what": "Timeout", "who": timer})

    def AddWindow(self, properties, root):
        self.windows.append(Window(properties, root))
        self.windows[-1].dispatcher = self
        return self.windows[-1]

    def RunLoop(self):
        self.running = True
        self.artist(self.windows[-1])
        assert not self.running, "no handler called ExitLoop: Resolve's loop would never return"

    def ExitLoop(self):
        self.running = False


def script_globals(resolve, artist) -> dict:
    """What Workspace > Scripts puts in a script's globals, with ``artist`` answering the dialogs."""
    ui = UIManager()
    dispatchers = []

    def dispatcher(manager):
        dispatchers.append(Dispatcher(manager, artist))
        return dispatchers[-1]

    return {
        "resolve": resolve,
        "fusion": SimpleNamespace(UIManager=ui),
        "bmd": SimpleNamespace(UIDispatcher=dispatcher),
        "dispatchers": dispatchers,
    }
