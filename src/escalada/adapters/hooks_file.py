"""Loads the help desks' mapping (`policies/hooks.yaml`, or ESCALADA_HOOKS_MAPPING) as
the policy is loaded: a bad file is PolicyInvalid naming the file, path and reason."""

from __future__ import annotations

from escalada.adapters.policy_file import DataFile
from escalada.domain.helpdesk_mapping import HookMapping
from escalada.settings import Settings

HOOKS_MAPPING = DataFile(HookMapping, "hooks.yaml", "hooks_mapping_file",
                         "version, zendesk, jira and generic")


def current_hook_mapping(settings: Settings | None = None) -> HookMapping:
    """The mapping in force, re-read when its file changes."""
    return HOOKS_MAPPING.current(settings)
