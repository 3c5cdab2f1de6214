"""Loads the policy from YAML and explains exactly what is wrong with a bad one."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from escalada.domain.errors import PolicyInvalid
from escalada.domain.policy import Policy
from escalada.domain.validation import describe_errors

POLICY_ENV = "ESCALADA_POLICY"


def default_policy_path() -> Path:
    return Path(str(resources.files("escalada.policies").joinpath("default.yaml")))


def policy_path() -> Path:
    """The operator's policy (ESCALADA_POLICY) or the shipped default."""
    configured = os.environ.get(POLICY_ENV)
    return Path(configured) if configured else default_policy_path()


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file; PolicyInvalid names the file, path and reason."""
    try:
        document: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PolicyInvalid(f"{path}: cannot read: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise PolicyInvalid(f"{path}: not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise PolicyInvalid(f"{path}: must be a mapping with technical, executive and sla")
    try:
        return Policy.model_validate(document)
    except ValidationError as error:
        lines = [f"{path.name}: {problem}" for problem in describe_errors(error)]
        raise PolicyInvalid("\n".join(lines)) from error


@lru_cache(maxsize=8)
def _cached(path: Path, mtime: float) -> Policy:
    return load_policy(path)


def current_policy() -> Policy:
    """The policy in force, re-read when its file changes."""
    path = policy_path()
    try:
        mtime = path.stat().st_mtime
    except OSError as error:
        raise PolicyInvalid(f"{path}: cannot read: {error.strerror}") from error
    return _cached(path, mtime)
