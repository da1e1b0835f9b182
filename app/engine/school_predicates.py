"""Predicates for the schools flows (``flows/school_*.yaml``).

UKCIS "Sharing nudes and semi-nudes" (2024) lists five reasons for an
immediate referral to police and/or children's social care at the DSL's
initial review. The DSL flow records each as an answer; this is the one place
that decides whether any of them applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .predicates import predicate

# The answer keys set by the five criterion questions, in the order asked.
REFERRAL_CRITERIA = ("adult_involved", "coercion", "unusual_acts", "under_13", "immediate_risk")


@predicate
def any_referral_criterion(answers: Mapping[str, Any]) -> bool:
    """True if any of the five immediate-referral criteria was answered yes.

    Truthiness, not ``is True``: if an answer were ever recorded in an
    unexpected form, this errs towards referring.
    """
    return any(bool(answers.get(key)) for key in REFERRAL_CRITERIA)
