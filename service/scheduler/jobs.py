"""Recurring jobs: a domain module registers one with its name, when it is first and next due, and the
command that runs it (inside the firing's transaction, flushing, never committing).

    from bangfu.scheduler import jobs
    jobs.register(jobs.Job("annual_review", first_due=..., next_due=..., run=start_annual_reviews))

`first_due(now)` gives the first due time when the job's row is created; `next_due(due_at)` the due time
after one that fired (None: the job is done). A job whose service was down over several due times fires
once for each of them, oldest first. Registration happens when the module is imported: list the module
in JOB_MODULES so that every scheduler process imports it before its first tick.

Timer start events with cycles are jobs too, named `start:<process key>`, kept by `starts`.
"""
import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

JOB_MODULES: tuple[str, ...] = ("bangfu.households.schedule", "bangfu.money.schedule", "bangfu.people.schedule")
START_PREFIX = "start:"


@dataclass(frozen=True)
class Job:
    name: str
    first_due: Callable[[datetime], datetime]
    next_due: Callable[[datetime], datetime | None]
    run: Callable  # run(session, services, due_at) -> a case it started, or None


_registry: dict[str, Job] = {}


def register(job):
    if job.name.startswith(START_PREFIX) or len(job.name) > 150:
        raise ValueError(f"job name {job.name!r} is reserved or too long")
    _registry[job.name] = job
    return job


def unregister(name):
    _registry.pop(name, None)


def registered():
    for module in JOB_MODULES:
        importlib.import_module(module)
    return dict(_registry)
