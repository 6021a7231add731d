"""Deploy-time checks of a model's timers, and the ISO values SpiffWorkflow is handed as string constants.

Where a timer may stand and what it may be:
- a start event of the executable process: a fixed value (date, duration or cycle), at most one such
  event; the scheduler reads it (start_timers.py);
- an intermediate catch event or an interrupting boundary event: a date or a duration (a cycle there
  would fork the path at each firing);
- a non-interrupting boundary event: also a cycle with its number of firings, at most timers.MAX_REPEATS.
"""
from .start_timers import start_timer_of
from .timers import (KINDS, TimerValueError, check_repeats, check_start_period, literal, looks_iso, normalise,
                     parse_cycle)

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_NS = {"bpmn": BPMN}
_CYCLE_PLACES = "定时器循环（timeCycle）只能用于定时开始事件和非中断边界事件；此处请用 timeDuration 或 timeDate"


def timer_nodes(root):
    """(event element, timer value element or None) for each timer definition in the document."""
    for definition in root.xpath(".//bpmn:timerEventDefinition", namespaces=_NS):
        values = [child for child in definition if etree_name(child) in KINDS]
        yield definition.getparent(), (values[0] if values else None)


def etree_name(node):
    tag = node.tag if isinstance(node.tag, str) else ""
    return tag.split("}", 1)[-1]


def check_timers(root, process):
    """(problems as (element, text) pairs, the executable process's StartTimer or None). Fixed values are
    rewritten in place to the string constant SpiffWorkflow evaluates."""
    problems, start_timers = [], []
    for event, node in timer_nodes(root):
        element = event.get("id") or etree_name(event)
        if node is None:
            problems.append((element, "定时器缺少时间设置（timeDate、timeDuration 或 timeCycle）"))
            continue
        kind, place = KINDS[etree_name(node)], etree_name(event)
        interrupting = event.get("cancelActivity", "true") != "false"
        is_start = place == "startEvent" and event.getparent() is process
        if kind == "cycle" and not is_start and not (place == "boundaryEvent" and not interrupting):
            problems.append((element, _CYCLE_PLACES))
            continue
        value = literal(node.text)
        if value is None:
            if is_start:
                problems.append((element, "定时开始事件的时间须为固定值（ISO 8601），不能是依赖案件数据的表达式"))
            continue
        try:
            node.text = repr(normalise(kind, value))
            if kind == "cycle" and place == "boundaryEvent":
                check_repeats(parse_cycle(normalise(kind, value)))
            if kind == "cycle" and is_start:
                check_start_period(parse_cycle(normalise(kind, value)))
        except TimerValueError as exc:
            problems.append((element, exc.text))
            continue
        if is_start:
            start_timers.append(start_timer_of(element, kind, node.text))
    if len(start_timers) > 1:
        problems.append((start_timers[1].element, "流程只能有一个定时开始事件"))
    return problems, (start_timers[0] if len(start_timers) == 1 else None)


def is_timer(node):
    return etree_name(node) in KINDS


def is_iso_timer(node):
    """Whether an expression node is a timer value written as ISO 8601 (not to be compiled as Python)."""
    return is_timer(node) and looks_iso(node.text or "")
