"""A small fake of the REST API on a real loopback HTTP server: OAuth2 client credentials (Basic auth, form
body), Link-header paging, projects with their tasks, and invoices filtered by `updated_since`."""

import base64
from urllib.parse import parse_qs, urlencode

from tieout_core.testing import Reply

CLIENT_ID, CLIENT_SECRET, TOKEN = "example-client", "example-secret", "token-1"
PROJECTS = [{"id": n, "name": f"Project {n}"} for n in range(1, 6)]
TASKS = {
    p["id"]: [{"id": p["id"] * 100 + n, "title": f"Task {n}", "done": n == 1} for n in (1, 2, 3)] for p in PROJECTS
}
INVOICES = [
    {"id": n, "number": f"INV-{n:04d}", "total": 100.0 * n, "updated_at": f"2026-01-{n:02d}T00:00:00.000Z"}
    for n in range(1, 8)
]


def token(request):
    sent = base64.b64decode(request.headers.get("Authorization", "Basic ").removeprefix("Basic ")).decode()
    grant = parse_qs(request.body or "").get("grant_type")
    if sent != f"{CLIENT_ID}:{CLIENT_SECRET}" or grant != ["client_credentials"]:
        return Reply(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
    return Reply(200, {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600})


def paged(server, path, rows):
    def handler(request):
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return Reply(401, {"error": "invalid_token"})
        since = request.query.get("updated_since")
        wanted = [row for row in rows if since is None or row["updated_at"] >= since]
        page, size = int(request.query.get("page", 1)), int(request.query.get("per_page", 100))
        headers = {"X-Total-Count": str(len(wanted))}
        if page * size < len(wanted):
            query = {k: v for k, v in request.query.items() if k != "page"}
            headers["Link"] = f'<{server.base_url}{path}?{urlencode({**query, "page": page + 1})}>; rel="next"'
        return Reply(200, wanted[(page - 1) * size : page * size], headers)

    server.route("GET", path, handler)


def install(server):
    """Route the fake API on a `tieout_core.testing.scripted_server()`."""
    server.route("POST", "/oauth/token", token)
    paged(server, "/projects", PROJECTS)
    for project_id, tasks in TASKS.items():
        paged(server, f"/projects/{project_id}/tasks", tasks)
    paged(server, "/invoices", INVOICES)
