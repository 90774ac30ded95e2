"""The web app (``emg-kg serve``): Starlette app, routes, SPARQL protocol, worker pool, pages,
editor; ``static/`` holds its browser files."""
