"""Loads the vendors' support plans from YAML, as the policy is loaded (file, path and
reason for a bad file; ESCALADA_VENDOR_PLANS replaces the shipped one)."""

from __future__ import annotations

from pathlib import Path

from escalada.adapters.policy_file import DataFile
from escalada.domain.vendor_plans import VendorPlans
from escalada.settings import Settings

VENDOR_PLANS = DataFile(VendorPlans, "vendor_plans.yaml", "vendor_plans_file",
                        "version, vendors and severity_map")
VENDOR_PLANS_ENV = VENDOR_PLANS.env


def default_vendor_plans_path() -> Path:
    return VENDOR_PLANS.default_path()


def vendor_plans_path() -> Path:
    """The operator's file (ESCALADA_VENDOR_PLANS) or the shipped default."""
    return VENDOR_PLANS.path()


def load_vendor_plans(path: Path) -> VendorPlans:
    """Read and validate a vendor plans file; PolicyInvalid names the file, path and reason."""
    return VENDOR_PLANS.load(path)


def current_vendor_plans(settings: Settings | None = None) -> VendorPlans:
    """The vendor plans in force, re-read when their file changes."""
    return VENDOR_PLANS.current(settings)
