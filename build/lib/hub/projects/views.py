"""HTTP views of projects, members and join requests (API.md, Projects)."""

from __future__ import annotations

from typing import Literal

from aiohttp import web

from hub import keys
from hub.errors import Forbidden
from hub.http.auth import require_principal
from hub.http.bodies import parse_body, query_model
from hub.http.client import client_address
from hub.http.idempotency import idempotency_key
from hub.http.openapi import api
from hub.http.responses import json_list, json_response
from hub.web.shell import add_page
from schemas.projects import (
    DecisionBody,
    JoinRequestCreate,
    JoinRequestOut,
    JoinRequestsQuery,
    MemberIn,
    ProjectCreate,
    ProjectOut,
)

routes = web.RouteTableDef()


def add_pages(app: web.Application) -> None:
    """Projects, one project, and the owners' queue of join requests."""
    add_page(app, path="/projects", name="projects", title_key="identity.projects_title", nav=True)
    add_page(app, path="/projects/{project_id}", name="project", title_key="identity.project_title")
    add_page(app, path="/join-requests", name="join_requests", title_key="identity.queue_title", nav=True)


@routes.post("/api/projects")
@api(
    summary="Create a project with its board (admin, member); the creator is its owner",
    body=ProjectCreate,
    response=ProjectOut,
    status=201,
    errors=(403,),
    idempotent=True,
    tags=["projects"],
)
async def create_project(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    if not services.rights.may_create_project(principal):
        raise Forbidden("only the DX office may create projects")
    key = idempotency_key(request)
    body = await parse_body(request, ProjectCreate)
    project = await services.projects.service.create(
        principal, body, key=key, address=client_address(request)
    )
    return json_response(project, status=201)


@routes.get("/api/projects")
@api(summary="The projects the caller may read, newest first", response=list[ProjectOut], tags=["projects"])
async def list_projects(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_list(await request.app[keys.SERVICES].projects.service.list_readable(principal))


@routes.get("/api/projects/{project_id}")
@api(summary="One project", response=ProjectOut, errors=(404,), tags=["projects"])
async def get_project(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    project = await request.app[keys.SERVICES].projects.service.get(
        principal, request.match_info["project_id"]
    )
    return json_response(project)


@routes.post("/api/projects/{project_id}/members")
@api(
    summary="Add a member or change their role (owner, admin)",
    description="201 for a new member, 200 for a changed role; a project always keeps an owner.",
    body=MemberIn,
    response=ProjectOut,
    status=201,
    errors=(403, 404, 409),
    tags=["projects"],
)
async def set_member(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    project_id = request.match_info["project_id"]
    # Rights before the body: a caller who may not see the project learns nothing from a 422.
    services.rights.require_administer_project(principal, await services.projects.service.access(project_id))
    body = await parse_body(request, MemberIn)
    project, added = await services.projects.service.set_member(
        principal, project_id, body, address=client_address(request)
    )
    return json_response(project, status=201 if added else 200)


@routes.delete("/api/projects/{project_id}/members/{user_id}")
@api(
    summary="Remove a member (owner, admin)",
    response=ProjectOut,
    errors=(403, 404, 409),
    tags=["projects"],
)
async def remove_member(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    project = await request.app[keys.SERVICES].projects.service.remove_member(
        principal,
        request.match_info["project_id"],
        request.match_info["user_id"],
        address=client_address(request),
    )
    return json_response(project)


@routes.post("/api/projects/{project_id}/join-requests")
@api(
    summary="Ask to join a project (partner, member)",
    body=JoinRequestCreate,
    response=JoinRequestOut,
    status=201,
    errors=(403, 404, 409),
    idempotent=True,
    tags=["projects"],
)
async def request_to_join(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    project_id = request.match_info["project_id"]
    services.rights.require_read_project(principal, await services.projects.service.access(project_id))
    key = idempotency_key(request)
    body = await parse_body(request, JoinRequestCreate)
    join_request = await services.projects.join_requests.request(principal, project_id, body, key=key)
    return json_response(join_request, status=201)


@routes.get("/api/projects/{project_id}/join-requests")
@api(
    summary="Join requests of a project (owner, admin); pending ones unless ?status= says otherwise",
    response=list[JoinRequestOut],
    query=JoinRequestsQuery,
    errors=(403, 404),
    tags=["projects"],
)
async def project_join_requests(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = query_model(request, JoinRequestsQuery)
    found = await request.app[keys.SERVICES].projects.join_requests.for_project(
        principal, request.match_info["project_id"], status=query.selected
    )
    return json_list(found)


@routes.post("/api/projects/{project_id}/join-requests/{request_id}/approve")
@api(
    summary="Approve: the requester becomes an editor and is notified (owner, admin)",
    body=DecisionBody,
    response=JoinRequestOut,
    errors=(403, 404, 409),
    tags=["projects"],
)
async def approve(request: web.Request) -> web.Response:
    return await _decide(request, "approved")


@routes.post("/api/projects/{project_id}/join-requests/{request_id}/reject")
@api(
    summary="Reject: the requester is notified (owner, admin)",
    body=DecisionBody,
    response=JoinRequestOut,
    errors=(403, 404, 409),
    tags=["projects"],
)
async def reject(request: web.Request) -> web.Response:
    return await _decide(request, "rejected")


async def _decide(request: web.Request, status: Literal["approved", "rejected"]) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    project_id = request.match_info["project_id"]
    services.rights.require_administer_project(principal, await services.projects.service.access(project_id))
    await parse_body(request, DecisionBody)
    decided = await services.projects.join_requests.decide(
        principal,
        project_id,
        request.match_info["request_id"],
        status=status,
        address=client_address(request),
    )
    return json_response(decided)


@routes.get("/api/join-requests")
@api(
    summary="The owners' queue: join requests to every project the caller may decide on",
    response=list[JoinRequestOut],
    query=JoinRequestsQuery,
    tags=["projects"],
)
async def join_request_queue(request: web.Request) -> web.Response:
    """The owners' queue: requests to every project the caller may decide on."""
    principal = await require_principal(request)
    query = query_model(request, JoinRequestsQuery)
    return json_list(
        await request.app[keys.SERVICES].projects.join_requests.queue(principal, status=query.selected)
    )
