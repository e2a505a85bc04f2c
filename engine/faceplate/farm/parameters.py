"""The job's parameter definitions, each with the ``userInterface`` hint a submitter draws it with.

The hints are OpenJD's own (``jobtemplate-2023-09``: ``control``, ``label``, ``groupLabel``), so the
same template serves ``openjd run``, any OpenJD scheduler and the Deadline Cloud submitter. A switch
that must add or drop a flag (the QC gate, the mask mode) is a STRING whose allowed values are the
flag's own spellings (``gate`` / ``no-gate``), passed as ``--{{Param.QcGate}}``: OpenJD has no
conditional arguments, and every stage flag has its ``--no-`` form.
"""

from __future__ import annotations

from faceplate.budget import TIERS

GATE_VALUES = ("no-gate", "gate")  # faceplate qc --no-gate / --gate
MASK_MODES = ("no-landmark-only", "landmark-only")  # the budget decides the learned model / landmark masks only
SHOTS, TRAINING, NODES = "Shots", "Training", "Nodes"  # the submitter's groups


def _ui(control: str, label: str, group: str) -> dict:
    return {"userInterface": {"control": control, "label": label, "groupLabel": group}}


def job_parameters(options) -> list[dict]:
    """Every parameter of a job exported with ``options`` (``faceplate.farm.template.JobOptions``)."""
    parameters = [
        {
            "name": "Workspaces",
            "type": "PATH",
            "objectType": "DIRECTORY",
            "dataFlow": "INOUT",
            "description": "the folder holding the shot workspaces (shared storage)",
        }
        | _ui("CHOOSE_DIRECTORY", "Shot workspaces", SHOTS),
        {
            "name": "Media",
            "type": "PATH",
            "objectType": "DIRECTORY",
            "dataFlow": "IN",
            "description": "the folder holding the shots' plates and sources (shared storage)",
        }
        | _ui("CHOOSE_DIRECTORY", "Plates and sources", SHOTS),
        {
            "name": "ChunkSize",
            "type": "INT",
            "default": options.chunk_size,
            "minValue": 1,
            "maxValue": 150,
            "description": "frames per render task",
        }
        | _ui("SPIN_BOX", "Frames per render task", NODES),
        {
            "name": "TrainGpus",
            "type": "INT",
            "default": options.train_gpus,
            "minValue": 0,
            "maxValue": 16,
            "description": "GPUs a train node must have; 0 lets a CPU-only node train (slow)",
        }
        | _ui("SPIN_BOX", "GPUs per train node", NODES),
        {
            "name": "TrainGpuMemory",
            "type": "INT",
            "default": options.gpu_memory_mib if options.train_gpus else 0,
            "minValue": 0,
            "maxValue": 1_048_576,
            "description": "GPU memory (MiB) a train node must have; 0 with TrainGpus 0",
        }
        | _ui("SPIN_BOX", "GPU memory per train node (MiB)", NODES),
        {
            "name": "Faceplate",
            "type": "STRING",
            "default": options.faceplate,
            "minLength": 1,
            "description": "the faceplate command on the nodes",
        }
        | _ui("LINE_EDIT", "Engine command", NODES),
        {
            "name": "QcGate",
            "type": "STRING",
            "default": GATE_VALUES[options.gate],
            "allowedValues": list(GATE_VALUES),
            "description": "gate: a shot that fails QC fails its qc task with the verdict line; no-gate: the verdict "
            "is only in the log",
        }
        | _ui("DROPDOWN_LIST", "QC gate", TRAINING),
    ]
    if options.budget:
        parameters.append(
            {
                "name": "Budget",
                "type": "STRING",
                "default": options.budget,
                "minLength": 1,
                "maxLength": 32,
                "description": "how long or how good: "
                + ", ".join(TIERS)
                + ", or 30m, 2h, 5000it (docs/budget.md); the step timeouts were set for the exported one",
            }
            | _ui("LINE_EDIT", "Budget", TRAINING)
        )
    if options.mask_mode:
        parameters.append(
            {
                "name": "MaskMode",
                "type": "STRING",
                "default": options.mask_mode,
                "allowedValues": list(MASK_MODES),
                "description": "landmark-only: landmark masks only; "
                "no-landmark-only: the learned mask model where the budget trains it",
            }
            | _ui("DROPDOWN_LIST", "Mask mode", TRAINING)
        )
    if options.identity:
        parameters += [
            {
                "name": "Library",
                "type": "PATH",
                "objectType": "DIRECTORY",
                "dataFlow": "INOUT",
                "description": "the identity model's workspace (made by the identity step)",
            }
            | _ui("CHOOSE_DIRECTORY", "Identity library", SHOTS),
            {
                "name": "Source",
                "type": "PATH",
                "dataFlow": "IN",
                "description": "the source identity's faces: a folder of stills, a clip or a sequence",
            }
            | _ui("CHOOSE_INPUT_FILE", "Source faces", SHOTS),
        ]
    return parameters


def stage_switches(stage, options) -> list[str]:
    """The parameter-driven flag of ``stage``'s command (its record's ``farm_switch``), where the job defines
    that parameter: the QC gate on qc, the mask mode on mask when one was given."""
    name = stage.farm_switch
    if name is None or name not in {p["name"] for p in job_parameters(options)}:
        return []
    return ["--{{Param." + name + "}}"]
