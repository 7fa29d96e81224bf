"""The ASGI entry point for servers: `granian --interface asgi veneer.asgi:app` or
`uvicorn veneer.asgi:app`. Settings come from the VENEER_* environment variables.

Once the application is built, the objects made so far (modules, routes, compiled schemas and
statements: ~90,000 objects, kept for the worker's life) are moved out of the garbage
collector's reach (`gc.freeze`): a full collection then walks only what requests made since,
instead of pausing a request for tens of milliseconds to walk them all again (docs/scale-audit.md).
"""

import gc

from veneer.app import create_app
from veneer.logs import AccessLog, configure
from veneer.settings import Settings

settings = Settings.from_env()
configure(settings.log_format)
app = create_app(settings, access=AccessLog(settings.log_format) if settings.log_requests else None)
gc.collect()
gc.freeze()
