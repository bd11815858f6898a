"""Wires the domain's render jobs to real encoding (mock_server.media)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mock_server.domain.model import Render
from mock_server.domain.renders import PlaceholderBackend

if TYPE_CHECKING:
    from mock_server.fake import Fake


class MediaRenderBackend(PlaceholderBackend):
    def __init__(self, fake: Fake) -> None:
        super().__init__(fake.data_dir / "renders")
        self.fake = fake

    def start(self, render: Render) -> None:
        super().start(render)
