"""The thin HTTP layer: routers translate domain results and errors into the wire."""
