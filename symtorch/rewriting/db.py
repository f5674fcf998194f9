"""The rewrite database: named, tagged rewrites grouped in ordered phases.

A Mode asks for rewrites by tag ('fast_run', 'fast_compile', 'canonicalize',
'stabilize', 'specialize', or a rewrite's own name) with `including`,
`excluding` and `requiring`; `rewrite_for_mode` runs the selected rewrites
phase by phase, each phase to equilibrium. Part of rewriting/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..config import config
from ..graph.fg import FunctionGraph
from .basic import NodeRewriter, equilibrium

# The phases, in the order they run. A graph rewriter phase is a function (fgraph) -> bool.
PHASES = ("merge", "canonicalize", "stabilize", "specialize", "final")


@dataclass
class Entry:
    rewriter: NodeRewriter | Callable[[FunctionGraph], bool]
    phase: str
    tags: frozenset[str]
    name: str


@dataclass
class RewriteDatabase:
    """Every registered rewrite, by name, with its phase and tags."""

    entries: dict[str, Entry] = field(default_factory=dict)

    def register(self, rewriter: Any, phase: str, *tags: str, name: str | None = None) -> Any:
        if phase not in PHASES:
            raise ValueError(f"unknown rewrite phase {phase!r}; phases are {PHASES}")
        name = name or getattr(rewriter, "name", None) or rewriter.__name__
        if name in self.entries:
            raise ValueError(f"a rewrite named {name!r} is already registered")
        self.entries[name] = Entry(rewriter, phase, frozenset(tags) | {phase, name}, name)
        return rewriter

    def query(self, include: Iterable[str], exclude: Iterable[str] = (),
              require: Iterable[str] = ()) -> list[Entry]:
        """Entries with a tag in `include`, none in `exclude`, all of `require`."""
        include, exclude, require = set(include), set(exclude), set(require)
        return [e for e in self.entries.values()
                if e.tags & include and not e.tags & exclude and require <= e.tags]


rewrite_db = RewriteDatabase()


def register(phase: str, *tags: str, name: str | None = None):
    """Decorator: register a node rewriter (or graph rewriter function) in `phase`.

    Rewrites used by FAST_RUN say 'fast_run'; the cheap ones FAST_COMPILE also runs
    say 'fast_compile' too.
    """
    def wrap(rewriter: Any) -> Any:
        rewrite_db.register(rewriter, phase, *tags, name=name)
        return rewriter

    return wrap


_OPTIMIZER_TAGS = {"fast_run": {"fast_run"}, "fast_compile": {"fast_compile"},
                   "merge": {"merge_only"}, None: set()}


def selected(mode: Any) -> list[Entry]:
    """The entries a Mode selects: its optimizer's tag, plus what it and config include,
    less what they exclude."""
    include = set(_OPTIMIZER_TAGS[mode.optimizer]) | set(mode.included) | set(
        config.optimizer_including)
    exclude = set(mode.excluded) | set(config.optimizer_excluding)
    return rewrite_db.query(include, exclude)


def rewrite_for_mode(fgraph: FunctionGraph, mode: Any) -> None:
    """Rewrite `fgraph` in place with the rewrites `mode` selects, phase by phase.
    Inner graphs (scan steps) are rewritten with the same mode: `fgraph.rewrite_mode`."""
    fgraph.rewrite_mode = mode
    entries = selected(mode)
    for phase in PHASES:
        in_phase = [e.rewriter for e in entries if e.phase == phase]
        if not in_phase:
            continue
        node_rewriters = [r for r in in_phase if isinstance(r, NodeRewriter)]
        graph_rewriters = [r for r in in_phase if not isinstance(r, NodeRewriter)]
        equilibrium(fgraph, node_rewriters, name=phase, graph_rewriters=graph_rewriters)
    fgraph.__dict__.pop("rewrite_caches", None)  # see basic.rewrite_cache
