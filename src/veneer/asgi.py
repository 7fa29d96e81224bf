"""The ASGI entry point for servers: `granian --interface asgi veneer.asgi:app` or
`uvicorn veneer.asgi:app`. Settings come from the VENEER_* environment variables."""

from veneer.app import create_app
from veneer.logs import AccessLog, configure
from veneer.settings import Settings

settings = Settings.from_env()
configure(settings.log_format)
app = create_app(settings, access=AccessLog(settings.log_format) if settings.log_requests else None)
