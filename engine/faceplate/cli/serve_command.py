"""`faceplate serve`: the engine process (job API on loopback, job store, workers). See docs/server.md."""

from __future__ import annotations

import sys
from pathlib import Path

from faceplate.errors import FaceplateError


def register(sub) -> None:
    p = sub.add_parser("serve", help="run the engine server the host plug-ins and the dashboard talk to")
    p.add_argument("--port", type=int, default=8571, help="TCP port (default 8571)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; anything else warns); the "
        "engine answers to this name besides the loopback names",
    )
    p.add_argument(
        "--roots",
        type=Path,
        nargs="+",
        default=[],
        metavar="DIR",
        help="folders media and workspaces must lie under (nothing outside them is opened)",
    )
    p.add_argument(
        "--data",
        type=Path,
        help="the engine's data folder: job store, token, worker logs "
        "(default: FACEPLATE_DATA or the per-user data folder)",
    )
    p.add_argument("--cpu-workers", type=int, help="CPU stages run side by side (default: half the cores)")
    p.add_argument(
        "--no-warm-worker",
        action="store_true",
        help="start each stage's worker process when it is needed (default: one is kept started ahead)",
    )
    p.add_argument("--print-token", action="store_true", help="print the token file's path and the token, and exit")
    p.set_defaults(run=run)


def run(args) -> None:
    from faceplate.server.config import ServerConfig
    from faceplate.server.token import ensure_token

    config = ServerConfig(**_given(args))
    if args.print_token:
        token = ensure_token(config.token_path)
        print(f"token file: {config.token_path}\ntoken: {token}\ndashboard: {dashboard_url(config, token)}")
        return
    missing = [str(r) for r in config.roots if not r.is_dir()]
    if missing:
        raise FaceplateError(f"--roots {' '.join(missing)}: not a folder; give existing folders")
    if not 0 < args.port < 65536:
        raise FaceplateError(f"--port {args.port} is not a TCP port (1-65535)")
    from faceplate.server.serve import serve

    print(f"faceplate engine on http://{config.host}:{config.port}  (token file {config.token_path})", flush=True)
    if sys.stdout.isatty():  # the artist's own terminal; a service's log gets no token (--print-token shows it)
        print(f"dashboard: {dashboard_url(config, ensure_token(config.token_path))}", flush=True)
    else:
        print(
            f"dashboard: {dashboard_url(config, None)}  (`faceplate serve --print-token` gives the link that "
            "signs it in)",
            flush=True,
        )
    serve(config)


def dashboard_url(config, token: str | None) -> str:
    """The page's address; with the token in the fragment, which the browser never sends anywhere: the page
    trades it for a session cookie (POST /api/session) and removes it from the address bar at once."""
    host = "127.0.0.1" if config.host in ("0.0.0.0", "::") else config.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{config.port}/" + (f"#token={token}" if token else "")


def _given(args) -> dict:
    values = {"host": args.host, "port": args.port, "roots": tuple(r.resolve() for r in args.roots)}
    if args.data is not None:
        values["data_dir"] = args.data.resolve()
    if args.no_warm_worker:
        values["warm_worker"] = False
    if args.cpu_workers is not None:
        values["cpu_workers"] = max(1, args.cpu_workers)
    return values
