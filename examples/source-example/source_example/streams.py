"""The streams: projects, their tasks (a child stream) and invoices (incremental by updated_at)."""

from datetime import timedelta
from pathlib import Path

from tieout_core import (
    Checkpoint,
    HttpClient,
    OAuth2ClientCredentials,
    StreamDeclaration,
    WatermarkCursor,
    from_iso,
    link_header_pages,
    to_iso,
)

SCHEMAS = Path(__file__).parent / "schemas"


def build_streams(config):
    auth = OAuth2ClientCredentials(
        f"{config.base_url}/oauth/token", config.client_id, config.client_secret.get_secret_value()
    )
    client = HttpClient(config.base_url, auth=auth)

    def listed(path, **params):
        for page in link_header_pages(client, path, params={"per_page": config.page_size, **params}):
            yield from page.items

    def read_projects(state):
        yield from listed("/projects")

    def read_tasks(state, projects):
        for project in projects:
            yield from ({**task, "project_id": project["id"]} for task in listed(f"/projects/{project['id']}/tasks"))

    def read_invoices(state):
        cursor = WatermarkCursor(state, start=from_iso(config.start_date), lookback=timedelta(minutes=5))
        for invoice in listed("/invoices", updated_since=to_iso(cursor.lower_bound)):
            changed = from_iso(invoice["updated_at"])
            if cursor.is_new(invoice["id"], changed):
                cursor.observe(invoice["id"], changed)
                yield invoice
        yield Checkpoint(cursor.complete())

    def declare(name, read, **options):
        return StreamDeclaration(name, ("id",), SCHEMAS / f"{name}.json", read, **options)

    return [
        declare("projects", read_projects),
        declare("tasks", read_tasks, parent="projects", parent_keys=("id",)),
        declare("invoices", read_invoices, cursor_field=("updated_at",)),
    ]
