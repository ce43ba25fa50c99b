"""The close desk: a server-rendered Starlette app over the warehouse. Pages read the marts dbt builds; the
only writes are decisions (store.py), each from a CSRF-checked form, answered with a redirect (POST/redirect/GET)
so a reload never decides twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from tieout_desk import answers, drilldown, feed, security, store
from tieout_desk.warehouse import Warehouse, WarehouseError

HERE = Path(__file__).parent
NAME_COOKIE = "tieout_desk_name"  # remembers who is deciding; attribution, not authentication
QUEUE_FILTERS = ("exception_type", "company_code", "owner", "status", "close_step", "blocking")


def _money(value: Any) -> str:
    return "" if value is None else f"${value:,.2f}"


def create_app(warehouse: Warehouse, token: str | None = None) -> Starlette:
    templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    templates.filters["money"] = _money

    def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        body = templates.get_template(template).render(
            request=request,
            csrf_field=security.CSRF_FIELD,
            csrf_token=security.csrf_token(request),
            who=request.cookies.get(NAME_COOKIE, ""),
            flash=request.query_params.get("flash", ""),
            error=request.query_params.get("error", ""),
            **context,
        )
        return HTMLResponse(body, status_code=status_code)

    def back(path: str, who: str | None = None, **params: str) -> RedirectResponse:
        response = RedirectResponse(path + ("?" + urlencode(params) if params else ""), status_code=303)
        if who:
            response.set_cookie(NAME_COOKIE, who, samesite="strict", httponly=True)
        return response

    async def checklist(request: Request) -> Response:
        steps = warehouse.checklist()
        ready = sum(1 for s in steps if s["status"] == "ready")
        return page(request, "checklist.html", steps=steps, ready=ready)

    async def sign(request: Request) -> Response:
        if refusal := await security.csrf_refusal(request):
            return refusal
        form = await request.form()
        step, role, who = request.path_params["step"], str(form.get("role", "")), str(form.get("who", ""))
        try:
            warehouse.sign_off(step, role, who, str(form.get("note", "")))
        except store.DecisionError as exc:
            return back("/", error=str(exc))
        return back("/", who=who, flash=f"{who} signed {step.replace('_', ' ')} off as {role}")

    async def queue(request: Request) -> Response:
        filters = {k: request.query_params.get(k, "") for k in QUEUE_FILTERS}
        rows = warehouse.queue(filters)
        return page(request, "queue.html", rows=rows, filters=filters, facets=warehouse.facets())

    async def exception_page(request: Request) -> Response:
        exception_id = request.query_params.get("id", "")
        exception = warehouse.exception(exception_id)
        if exception is None:
            return page(request, "missing.html", status_code=404, what=f"exception {exception_id}")
        return page(
            request,
            "exception.html",
            e=exception,
            found=drilldown.rows_behind(warehouse, exception),
            history=warehouse.history("exception", exception_id),
            statuses=store.STATUSES["exception"],
        )

    async def decide(request: Request) -> Response:
        if refusal := await security.csrf_refusal(request):
            return refusal
        form = await request.form()
        exception_id, who = str(form.get("exception_id", "")), str(form.get("who", ""))
        status = str(form.get("status", ""))
        try:
            warehouse.decide_exception(
                exception_id, status, who, str(form.get("reason", "")), str(form.get("note", ""))
            )
        except store.DecisionError as exc:
            return back("/exception", id=exception_id, error=str(exc))
        return back("/exception", who=who, id=exception_id, flash=f"{who} marked this exception {status}")

    async def holds(request: Request) -> Response:
        return page(request, "holds.html", **answers.holds(warehouse))

    async def cfo(request: Request) -> Response:
        return page(request, "cfo.html", answers=answers.cfo_answers(warehouse))

    async def jobs(request: Request) -> Response:
        q = request.query_params.get("q", "")
        return page(request, "jobs.html", q=q, jobs=answers.find_jobs(warehouse, q))

    async def job(request: Request) -> Response:
        company, number = request.query_params.get("company", ""), request.query_params.get("job", "")
        view = answers.job_view(warehouse, company, number)
        if view is None:
            return page(request, "missing.html", status_code=404, what=f"job {number} in {company}")
        return page(request, "job.html", **view)

    async def feed_download(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        try:
            body, media = feed.render(warehouse, fmt)
        except feed.FeedError as exc:
            return PlainTextResponse(str(exc), status_code=404)
        return Response(
            body,
            media_type=media,
            headers={"content-disposition": f'attachment; filename="ar_automation_feed.{fmt}"'},
        )

    async def warehouse_error(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(str(exc), status_code=503)

    routes = [
        Route("/", checklist),
        Route("/steps/{step}/sign", sign, methods=["POST"]),
        Route("/exceptions", queue),
        Route("/exception", exception_page),
        Route("/exception/decide", decide, methods=["POST"]),
        Route("/holds", holds),
        Route("/cfo", cfo),
        Route("/jobs", jobs),
        Route("/job", job),
        Route("/feed/ar_automation_feed.{fmt:str}", feed_download),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(security.TokenMiddleware, token=token),
            Middleware(security.CsrfCookieMiddleware),
        ],
        exception_handlers={WarehouseError: warehouse_error},
    )
