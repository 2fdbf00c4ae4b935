"""The dossier's way through the procedure's internal process: plain functions over the
procedure definition, with no workflow state of their own.

A process opens and closes at the one-stop counter (`Step.at_counter`); between them the
units' steps run, some at the competent authority and some handed to another unit (the
commune's confirmation, the tax authority).
"""

from schemas.dossier import DossierStart
from schemas.procedure import ProcedureDefinition, Step, StepRole
from schemas.unit import Level


def _first_past_counter(steps: list[Step]) -> int | None:
    return next((i for i, step in enumerate(steps) if not step.at_counter), None)


def first_authority_step(procedure: ProcedureDefinition) -> int:
    """The first step after the counter: where a transferred dossier starts."""
    return _first_past_counter(procedure.steps) or 0


def phase_budget(procedure: ProcedureDefinition, phase: str) -> float | None:
    """Working days the internal process gives a phase: intake, processing or return."""
    steps = procedure.steps
    if not steps:
        return None
    first, last = _first_past_counter(steps), _first_past_counter(steps[::-1])
    # A process of counter steps only is all intake.
    leading = len(steps) if first is None else first
    trailing = len(steps) if last is None else last
    intake = sum(s.budget_working_days for s in steps[:leading])
    back = sum(s.budget_working_days for s in steps[len(steps) - trailing :])
    middle = sum(s.budget_working_days for s in steps[leading : len(steps) - trailing] if s.counts)
    return {"intake": intake, "processing": middle, "return": back}.get(phase)


def route_unit(dossier: DossierStart, step: Step) -> str:
    """The unit that carries out a step: a named unit, the dossier's commune, or the
    competent authority."""
    if step.unit is not None:
        return step.unit
    if step.level is Level.COMMUNE and dossier.locality is not None:
        return dossier.locality
    return dossier.competent_authority


def next_route_step(dossier: DossierStart, step_index: int) -> int | None:
    """The next step that hands the dossier to a unit, if the process has one.

    Counter steps end the route (the result goes back); the competent authority's own
    signing step is the `approve` action, not a hand-over.
    """
    steps = dossier.procedure.steps
    if step_index == 0:
        return None  # not yet at the authority
    for index in range(step_index + 1, len(steps)):
        step = steps[index]
        if step.at_counter:
            return None
        own_signature = (
            step.role == StepRole.LEADER
            and route_unit(dossier, step) == dossier.competent_authority
        )
        if not own_signature:
            return index
    return None
