"""Loads the vendors' support plans from YAML and explains exactly what is wrong with a
bad file (same contract as the policy file: file, path and reason)."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from escalada.domain.errors import PolicyInvalid
from escalada.domain.validation import describe_errors
from escalada.domain.vendor_plans import VendorPlans

VENDOR_PLANS_ENV = "ESCALADA_VENDOR_PLANS"


def default_vendor_plans_path() -> Path:
    return Path(str(resources.files("escalada.policies").joinpath("vendor_plans.yaml")))


def vendor_plans_path() -> Path:
    """The operator's file (ESCALADA_VENDOR_PLANS) or the shipped default."""
    configured = os.environ.get(VENDOR_PLANS_ENV)
    return Path(configured) if configured else default_vendor_plans_path()


def load_vendor_plans(path: Path) -> VendorPlans:
    """Read and validate a vendor plans file; PolicyInvalid names the file, path and reason."""
    try:
        document: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PolicyInvalid(f"{path}: cannot read: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise PolicyInvalid(f"{path}: not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise PolicyInvalid(f"{path}: must be a mapping with version, vendors and severity_map")
    try:
        return VendorPlans.model_validate(document)
    except ValidationError as error:
        lines = [f"{path.name}: {problem}" for problem in describe_errors(error)]
        raise PolicyInvalid("\n".join(lines)) from error


@lru_cache(maxsize=8)
def _cached(path: Path, mtime: float) -> VendorPlans:
    return load_vendor_plans(path)


def current_vendor_plans() -> VendorPlans:
    """The vendor plans in force, re-read when their file changes."""
    path = vendor_plans_path()
    try:
        mtime = path.stat().st_mtime
    except OSError as error:
        raise PolicyInvalid(f"{path}: cannot read: {error.strerror}") from error
    return _cached(path, mtime)
