"""Loads the policy (and the vendors' plans) from YAML and explains exactly what is wrong
with a bad file: the file, the path inside it and the reason."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

import yaml
from pydantic import BaseModel, ValidationError

from escalada.domain.errors import PolicyInvalid
from escalada.domain.policy import Policy, Section
from escalada.domain.policy.types import with_packaged_defaults
from escalada.domain.validation import describe_errors
from escalada.settings import Settings

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class DataFile(Generic[M]):
    """A YAML document shipped in `escalada.policies`, which operators may replace by
    naming their own in the setting `setting` (a field of Settings)."""

    model: type[M]
    shipped: str  # the file name in escalada/policies
    setting: str
    keys: str  # what the top-level mapping holds, for the error when it is not one
    # Fills in what a document leaves out (the policy: from the shipped one).
    complete: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None

    @property
    def env(self) -> str:
        return Settings.variable(self.setting)

    def default_path(self) -> Path:
        return _shipped_path(self.shipped)

    def path(self, settings: Settings | None = None) -> Path:
        """The operator's file, or the shipped default."""
        configured = (settings or Settings.current()).text(self.setting)
        return Path(configured) if configured else self.default_path()

    def load(self, path: Path) -> M:
        """Read and validate the file; PolicyInvalid names the file, path and reason."""
        try:
            document: Any = (copy.deepcopy(_shipped(self.shipped)) if path == self.default_path()
                             else safe_yaml(path.read_text(encoding="utf-8")))
        except OSError as error:
            raise PolicyInvalid.of("{path}: cannot read: {strerror}", path=path,
                                   strerror=error.strerror) from error
        except yaml.YAMLError as error:
            raise PolicyInvalid.of("{path}: not valid YAML: {error}", path=path,
                                   error=error) from error
        if not isinstance(document, dict):
            raise PolicyInvalid.of("{path}: must be a mapping with {keys}", path=path,
                                   keys=self.keys)
        if self.complete is not None:
            document = self.complete(document)
        try:
            return self.model.model_validate(document)
        except ValidationError as error:
            lines = [f"{path.name}: {problem}" for problem in describe_errors(error)]
            raise PolicyInvalid("\n".join(lines)) from error

    def current(self, settings: Settings | None = None) -> M:
        """The document in force, read again when its file changes."""
        path = self.path(settings)
        try:
            mtime = path.stat().st_mtime
        except OSError as error:
            raise PolicyInvalid.of("{path}: cannot read: {strerror}", path=path,
                                   strerror=error.strerror) from error
        return cast(M, _cached(self, path, mtime))


@lru_cache(maxsize=16)
def _shipped_path(name: str) -> Path:
    # Found once: the policy in force is looked for on every request (/healthz included),
    # and importlib.resources took a tenth of a millisecond to find the package again.
    return Path(str(resources.files("escalada.policies").joinpath(name)))


def safe_yaml(text: str) -> Any:
    """A YAML document by PyYAML's safe rules, parsed by libyaml's CSafeLoader where PyYAML
    was built with it (the shipped policy about eight times faster than in pure Python)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=16)
def _cached(file: DataFile[Any], path: Path, mtime: float) -> BaseModel:
    loaded: BaseModel = file.load(path)
    return loaded


def complete(document: Mapping[str, Any]) -> dict[str, Any]:
    """A policy document with the sections it leaves out (timers, credits, war_room,
    recovery, communications, or keys of theirs) taken from the shipped policy, the one
    place their defaults are written. An operator's file and a policy frozen on a case
    by an older escalada are read this way."""
    return with_packaged_defaults(Policy, document, packaged_document())


def packaged_document() -> dict[str, Any]:
    """The shipped policy as a plain document (a copy: change it freely)."""
    return copy.deepcopy(_packaged())


def _packaged() -> dict[str, Any]:
    document: dict[str, Any] = _shipped(POLICY.shipped)
    return document


@lru_cache(maxsize=4)
def _shipped(name: str) -> Any:
    """A document shipped in escalada.policies, parsed once a process: the policy in force
    and the policies frozen on cases are each completed from the shipped one."""
    path = resources.files("escalada.policies").joinpath(name)
    return safe_yaml(path.read_text(encoding="utf-8"))


def packaged_section(name: str, document: Mapping[str, Any] | None = None) -> Section:
    """The section `name` of a policy (war_room, recovery, credits ...): `document`
    with what it leaves out taken from the shipped policy."""
    model = Policy.model_fields[name].annotation
    assert isinstance(model, type) and issubclass(model, Section)
    return model.model_validate(
        with_packaged_defaults(model, document or {}, packaged_document()[name]))


POLICY = DataFile(Policy, "default.yaml", "policy_file", "technical, executive and sla",
                  complete)
POLICY_ENV = POLICY.env


def default_policy_path() -> Path:
    return POLICY.default_path()


def policy_path() -> Path:
    """The operator's policy (ESCALADA_POLICY) or the shipped default."""
    return POLICY.path()


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file; PolicyInvalid names the file, path and reason."""
    return POLICY.load(path)


def current_policy(settings: Settings | None = None) -> Policy:
    """The policy in force (ESCALADA_POLICY in `settings`, or in the environment),
    re-read when its file changes."""
    return POLICY.current(settings)
