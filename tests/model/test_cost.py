"""Multiply-accumulates (``model.cost``) against the published cost."""

from __future__ import annotations

from ugatit_deploy.model import GeneratorConfig
from ugatit_deploy.model.cost import count_macs


def test_macs_at_256_match_the_published_cost():
    assert round(count_macs(GeneratorConfig().build("meta"), (1, 3, 256, 256)) / 1e9, 2) == 52.77
    assert round(count_macs(GeneratorConfig(light=True).build("meta"), (1, 3, 256, 256)) / 1e9, 2) == 52.50
