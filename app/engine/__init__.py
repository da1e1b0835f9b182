"""The flow engine. Imports no Flask: usable from a Python shell or a test."""

from . import school_predicates  # noqa: F401
from .actions import Problem
from .content import ContentError
from .engine import Engine, Route, Safety, Turn
from .flows import FlowError

__all__ = ["ContentError", "Engine", "FlowError", "Problem", "Route", "Safety", "Turn"]
