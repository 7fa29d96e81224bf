"""The ASGI entry point for servers: `granian --interface asgi veneer.asgi:app` or
`uvicorn veneer.asgi:app`. Settings come from the VENEER_* environment variables."""

from veneer.app import create_app

app = create_app()
