"""`faceplate serve`: the engine process (job API on loopback, job store, workers). See docs/server.md."""

from __future__ import annotations

from pathlib import Path

from faceplate.errors import FaceplateError


def register(sub) -> None:
    p = sub.add_parser("serve", help="run the engine server the host plug-ins and the dashboard talk to")
    p.add_argument("--port", type=int, default=8571, help="TCP port (default 8571)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; anything else warns)")
    p.add_argument("--roots", type=Path, nargs="+", default=[], metavar="DIR",
                   help="folders media and workspaces must lie under (nothing outside them is opened)")
    p.add_argument("--data", type=Path, help="the engine's data folder: job store, token, worker logs "
                   "(default: FACEPLATE_DATA or the per-user data folder)")
    p.add_argument("--cpu-workers", type=int, help="CPU stages run side by side (default: half the cores)")
    p.add_argument("--print-token", action="store_true", help="print the token file's path and the token, and exit")
    p.set_defaults(run=run)


def run(args) -> None:
    from faceplate.server.config import ServerConfig
    from faceplate.server.token import ensure_token

    config = ServerConfig(**_given(args))
    if args.print_token:
        token = ensure_token(config.token_path)
        print(f"token file: {config.token_path}\ntoken: {token}")
        return
    missing = [str(r) for r in config.roots if not r.is_dir()]
    if missing:
        raise FaceplateError(f"--roots {' '.join(missing)}: not a folder; give existing folders")
    if not 0 < args.port < 65536:
        raise FaceplateError(f"--port {args.port} is not a TCP port (1-65535)")
    from faceplate.server.serve import serve

    print(f"faceplate engine on http://{config.host}:{config.port}  (token file {config.token_path})", flush=True)
    serve(config)


def _given(args) -> dict:
    values = {"host": args.host, "port": args.port, "roots": tuple(r.resolve() for r in args.roots)}
    if args.data is not None:
        values["data_dir"] = args.data.resolve()
    if args.cpu_workers is not None:
        values["cpu_workers"] = max(1, args.cpu_workers)
    return values
