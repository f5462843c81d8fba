"""`restorative serve`: the HTTP JSON API (and the UI) over a store, run by uvicorn."""

from __future__ import annotations

import argparse
import sys

from ..errors import InvalidInput, MissingExtra
from ..store import open_store
from ..store._open import display

USERS_EXAMPLE = """[[user]]
name = "Sigrid (staff)"
token = "a long random secret"
actor = { id = "staff-sigrid", kind = "staff" }"""


def run_serve(args: argparse.Namespace) -> int:
    """Serve `args.db` to the users of `args.users` on `args.host`:`args.port` until interrupted."""
    try:
        import uvicorn  # noqa: PLC0415 - the extra is needed only here

        from ..server import Users, create_app  # noqa: PLC0415
    except ImportError as error:
        raise MissingExtra("restorative serve", error.name or "litestar", "server") from None
    if args.users is None:
        raise InvalidInput(
            "serve needs --users FILE, a TOML table of who may call it and their tokens, such as: "
            + USERS_EXAMPLE.replace("\n", "  ")
            + "  (kinds: staff, mediator, party, guardian, participant); nothing is served without one"
        )
    users = Users.load(args.users)
    count = len(list(users))
    if not count:
        raise InvalidInput(f"the users file {args.users} lists nobody; add [[user]] tables")
    store = open_store(args.db)
    try:
        app = create_app(store, users)
        where = f"http://{args.host}:{args.port}"
        print(
            f"Serving {display(args.db)} to {count} user{'s' if count != 1 else ''} at {where}"
            f" (API under {where}/api, OpenAPI at {where}/openapi.json); Ctrl-C stops it",
            flush=True,
        )
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print("Tokens travel in the clear over plain HTTP: put a TLS proxy in front of it.", file=sys.stderr)
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, server_header=False)
    finally:
        store.close()
    return 0
