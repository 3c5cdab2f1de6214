"""A policy's id is the digest of its document: the same policy has the same id in every
process (its sets are written sorted, not in the hash seed's order)."""

from __future__ import annotations

import os
import subprocess
import sys

from escalada.adapters.policy_file import current_policy
from escalada.domain.policy.criteria import TierRequested
from escalada.services.policies import digest

PRINT_ID = ("from escalada.adapters.policy_file import current_policy; "
            "from escalada.services.policies import digest; print(digest(current_policy()))")


def test_the_shipped_policy_has_one_id_whatever_the_hash_seed() -> None:
    ids = {
        subprocess.run([sys.executable, "-c", PRINT_ID], capture_output=True, text=True,
                       check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip()
        for seed in ("1", "2", "3", "4")
    }
    assert ids == {digest(current_policy())}


def test_a_set_in_a_criterion_is_written_sorted() -> None:
    rule = TierRequested(kind="tier_requested", tiers={"strategic", "enterprise"},
                         requests={"customer_requested_manager",
                                   "customer_requested_escalation"})

    dumped = rule.model_dump(mode="json")

    assert dumped["tiers"] == ["enterprise", "strategic"]
    assert dumped["requests"] == ["customer_requested_escalation",
                                  "customer_requested_manager"]
