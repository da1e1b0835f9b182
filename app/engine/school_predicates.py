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


# -- the nation the school is in ---------------------------------------------------
# UKCIS's advice applies to England; Wales has the Welsh Government's version of
# it (the same five criteria, a DSP, local authority children's services). Both
# flows ask first and record the answer as `nation`; the Wales branches use these.


@predicate
def in_wales(answers: Mapping[str, Any]) -> bool:
    return answers.get("nation") == "wales"


@predicate
def refer_in_wales(answers: Mapping[str, Any]) -> bool:
    """The referral decision for a school in Wales: the same single decision
    point (any_referral_criterion), only the outcome's words differ."""
    return in_wales(answers) and any_referral_criterion(answers)
