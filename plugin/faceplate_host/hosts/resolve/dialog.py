"""The Resolve menu's send dialog: source identity, consent reference and budget, in Fusion's UIManager.

Scripts run from Workspace > Scripts get ``fusion`` and ``bmd`` in their globals, free Resolve included;
the dialog is the UIManager pattern of Resolve's scripting examples: ``bmd.UIDispatcher(fusion.UIManager)``,
``AddWindow(properties, ui.VGroup([...]))``, ``GetItems()``, ``window.On.<ID>.Clicked`` handlers and
``RunLoop()`` until a handler calls ``ExitLoop()``. Without a UIManager (an external script) the
environment's values (FACEPLATE_SOURCE, FACEPLATE_CONSENT_REF, FACEPLATE_BUDGET) are used as they are.
"""

from __future__ import annotations

from typing import Any, Optional

from faceplate_host.shots import BUDGET_HELP, BUDGETS

WINDOW = "FaceplateSend"


def ask_send_options(scope: dict, defaults: dict) -> Optional[dict]:
    """``{"source", "consent_ref", "budget"}`` as the artist left them (``defaults`` filled in), or None when
    the dialog was cancelled or closed."""
    fusion, bmd = scope.get("fusion"), scope.get("bmd")
    if fusion is None or bmd is None or getattr(fusion, "UIManager", None) is None:
        return dict(defaults)
    ui = fusion.UIManager
    dispatcher = bmd.UIDispatcher(ui)
    window = dispatcher.AddWindow(
        {"ID": WINDOW, "WindowTitle": "Faceplate: swap the face"},
        ui.VGroup(
            [
                _row(
                    ui,
                    "Source identity",
                    ui.LineEdit(
                        {
                            "ID": "Source",
                            "Text": defaults.get("source") or "",
                            "PlaceholderText": "clip, image sequence or folder of stills",
                        }
                    ),
                ),
                _row(
                    ui, "Consent reference", ui.LineEdit({"ID": "Consent", "Text": defaults.get("consent_ref") or ""})
                ),
                _row(ui, "Budget", ui.ComboBox({"ID": "Budget", "Editable": True, "ToolTip": BUDGET_HELP})),
                ui.HGroup([ui.Button({"ID": "Send", "Text": "Send"}), ui.Button({"ID": "Cancel", "Text": "Cancel"})]),
            ]
        ),
    )
    items = window.GetItems()
    items["Budget"].AddItems(list(BUDGETS))
    items["Budget"].CurrentText = defaults.get("budget") or BUDGETS[0]
    answer: dict = {}

    def send(event: Any) -> None:
        answer.update(
            source=items["Source"].Text.strip(),
            consent_ref=items["Consent"].Text.strip(),
            budget=items["Budget"].CurrentText.strip(),
        )
        dispatcher.ExitLoop()

    window.On.Send.Clicked = send
    window.On.Cancel.Clicked = lambda event: dispatcher.ExitLoop()
    getattr(window.On, WINDOW).Close = lambda event: dispatcher.ExitLoop()
    window.Show()
    dispatcher.RunLoop()
    window.Hide()
    return answer or None


def _row(ui: Any, label: str, field: Any) -> Any:
    return ui.HGroup([ui.Label({"Text": label, "Weight": 0.3}), field])
