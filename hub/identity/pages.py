"""The pages of people, organisations and projects (docs/web.md): registered after ``setup_web``."""

from __future__ import annotations

from aiohttp import web

from hub.web.shell import add_page


def register_pages(app: web.Application) -> None:
    add_page(app, path="/projects", name="projects", title_key="identity.projects_title", nav=True)
    add_page(app, path="/projects/{project_id}", name="project", title_key="identity.project_title")
    add_page(app, path="/join-requests", name="join_requests", title_key="identity.queue_title", nav=True)
    # In an admin's menu only: only admins use them.
    admins = frozenset({"admin"})
    add_page(
        app,
        path="/admin/users",
        name="admin_users",
        title_key="identity.users_title",
        nav=True,
        nav_roles=admins,
    )
    add_page(
        app,
        path="/admin/orgs",
        name="admin_orgs",
        title_key="identity.orgs_title",
        nav=True,
        nav_roles=admins,
    )
