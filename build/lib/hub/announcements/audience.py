"""Who an announcement reaches (API.md): ``all`` — every person with an account; ``hubs`` — people
whose home hub is one of them and people checked in there now, plus the hubs' channels; ``projects``
— their members. Kiosks are devices, not people: they show a hub's channel instead. ``topics`` and
``residents`` reach no account: residents are reached by hub/residents/sending.py."""

from __future__ import annotations

from hub.errors import InvalidRequest, NotFound
from hub.hubs.model import channel_of
from hub.hubs.service import HubService
from hub.identity.users import UserStore
from hub.principal import Principal
from hub.projects.service import ProjectService
from hub.residents.topics import TopicService
from hub.rights import Rights
from schemas.announcements import Audience

ALL_CHANNEL = "announcements"


class Audiences:
    def __init__(
        self,
        *,
        users: UserStore,
        hubs: HubService,
        projects: ProjectService,
        topics: TopicService,
        rights: Rights,
    ) -> None:
        self._users = users
        self._topics = topics
        self._hubs = hubs
        self._projects = projects
        self._rights = rights

    async def validate(self, principal: Principal, audience: Audience) -> None:
        """Unknown hubs and topics, and projects that do not exist or the author may not read, are 422."""
        if audience.topics is not None:
            await self._topics.require_known(audience.topics, path="audience.topics")
        unknown: list[dict[str, str]] = []
        for index, hub_id in enumerate(audience.hubs or []):
            try:
                await self._hubs.hub(hub_id)
            except NotFound:
                unknown.append({"path": f"audience.hubs.{index}", "message": f"no hub {hub_id!r}"})
        for index, project_id in enumerate(audience.projects or []):
            try:
                project = await self._projects.access(project_id)
            except NotFound:
                project = None
            if project is None or not self._rights.may_read_project(principal, project):
                unknown.append(
                    {"path": f"audience.projects.{index}", "message": f"no project {project_id!r}"}
                )
        if unknown:
            raise InvalidRequest("the audience names unknown hubs or projects", details={"fields": unknown})

    async def recipients(self, audience: Audience) -> list[str]:
        if audience.reaches_residents:
            return []
        if audience.all:
            return sorted(await self._users.ids_for_notices())
        if audience.hubs is not None:
            at_home = await self._users.ids_for_notices(home_hubs=audience.hubs)
            inside = await self._users.ids_for_notices(home_hubs=None)
            present = set(await self._hubs.users_inside(audience.hubs)) & set(inside)
            return sorted(set(at_home) | present)
        members: set[str] = set()
        for project_id in audience.projects or []:
            try:
                members.update((await self._projects.access(project_id)).members)
            except NotFound:
                continue  # deleted since it was announced to
        people = set(await self._users.ids_for_notices())
        return sorted(members & people)

    async def channels(self, audience: Audience, *, urgent: bool) -> list[str]:
        """Where the announcement is posted besides its readers' own channels.

        Everyone: the ``announcements`` channel, and, when urgent, every hub's channel too so that
        the wall screens show it. Hubs: each of their channels.
        """
        if audience.all:
            hubs = [doc["_id"] for doc in await self._hubs.hub_docs()] if urgent else []
            return [ALL_CHANNEL, *[channel_of(hub_id) for hub_id in hubs]]
        if audience.hubs is None:
            return []  # projects and residents: their people's own channels only
        return [channel_of(hub_id) for hub_id in audience.hubs]
