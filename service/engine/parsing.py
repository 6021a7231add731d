"""Turn BPMN XML into a process spec, refusing models the service cannot run safely."""
import functools
import re
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from . import support
from .human_tasks import assign, definitions
from .sandbox import UnsafeCode, compile_expression, compile_script
from .service_tasks import service_task_problems
from .start_timers import StartTimer
from .timer_checks import check_timers, is_iso_timer, is_timer
from .validation_text import translate

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
_EXPRESSIONS = (".//bpmn:conditionExpression | .//bpmn:completionCondition | .//bpmn:loopCardinality"
                " | .//bpmn:timeDate | .//bpmn:timeDuration | .//bpmn:timeCycle")
# Longest texts the database keeps for a process id and name and a user task's name.
MAX_PROCESS_ID, MAX_NAME = 100, 200
# The most elements a document may have, and elements with an id (flow nodes, flows, diagram shapes). The bundled
# 困难职工家庭帮扶 has about 600 and 200; SpiffWorkflow's parser indexes a process with an XPath whose time grows
# with the square of its elements: 20 000 script tasks (under 5 MB) held a request for two minutes.
MAX_ELEMENTS, MAX_IDS = 50_000, 4_000
# A process id is an XML name (BPMN's xsd:ID): it becomes the model's key, in URLs (/models/<key>/edit) and the
# scheduler's job names. "a/b", "x'; DROP TABLE cases;--" or ".." deployed, and then no page could reach them.
_PROCESS_ID = re.compile(r"[^\W\d][\w.-]*")
_SCRIPTS = ".//bpmn:scriptTask/bpmn:script | .//spiffworkflow:preScript | .//spiffworkflow:postScript"


@dataclass
class ModelProblem:
    element: str
    problem: str


class ModelInvalid(Exception):
    def __init__(self, problems):
        super().__init__("; ".join(f"{p.element}: {p.problem}" for p in problems))
        self.problems = problems


@dataclass
class ParsedModel:
    process_id: str
    name: str
    spec: object
    subprocess_specs: dict
    xml: str  # the document as UTF-8 text, whatever encoding it arrived in
    user_tasks: list = field(default_factory=list)
    start_timer: StartTimer | None = None  # the timer start event's schedule, when the process has one

    def assign(self, task, lane, properties):
        """Record the deployment's role (as the lane name) and properties (forms, due date) of a human task."""
        assign((self.spec, *self.subprocess_specs.values()), task, lane, properties)


def _element_id(node):
    while node is not None:
        if node.get("id"):
            return node.get("id")
        node = node.getparent()
    return "document"


def _sandbox_problems(root):
    problems = []
    for node in root.xpath(_EXPRESSIONS, namespaces=NS):
        if is_iso_timer(node):
            continue  # an ISO 8601 value, checked with the timers
        try:
            compile_expression((node.text or "").strip() or "True")
        except UnsafeCode as exc:
            if is_timer(node):  # named by its event, as the other timer problems are
                element, label = _element_id(node.getparent().getparent()), "定时器表达式"
            else:
                element, label = _element_id(node), "条件表达式"
            problems += [ModelProblem(element, f"{label}不安全或有误：{p}") for p in exc.problems]
    for node in root.xpath(_SCRIPTS, namespaces=NS):
        try:
            compile_script(node.text or "")
        except UnsafeCode as exc:
            problems += [ModelProblem(_element_id(node), f"脚本不安全或有误：{p}") for p in exc.problems]
    problems += [ModelProblem(element, problem) for element, problem in service_task_problems(root, NS)]
    return problems


def _executable_process(root):
    processes = root.xpath("//bpmn:process[@isExecutable='true']", namespaces=NS)
    if len(processes) > 1:  # Camunda Modeler marks every pool executable: cases start the one nothing calls
        called = {activity.get("calledElement") for activity in root.xpath("//bpmn:callActivity", namespaces=NS)}
        processes = [process for process in processes if process.get("id") not in called]
    if len(processes) != 1:
        raise ModelInvalid([ModelProblem("definitions", "模型必须有且只有一个可执行流程（isExecutable=\"true\"）")])
    if not (processes[0].get("id") or "").strip():
        raise ModelInvalid([ModelProblem("definitions", "可执行流程缺少 id")])
    return processes[0]


def _recursion_problems(root, process_id):
    """Call activities that lead back to a process already on the call path: such a model never ends."""
    calls = {process.get("id"): process.xpath(".//bpmn:callActivity", namespaces=NS)
             for process in root.xpath("//bpmn:process", namespaces=NS)}
    problems, done = {}, set()
    stack = [(process_id, iter(calls.get(process_id, [])))]  # depth first, without recursion
    while stack:
        process, activities = stack[-1]
        activity = next(activities, None)
        if activity is None:
            done.add(process)
            stack.pop()
            continue
        target, path = activity.get("calledElement"), [p for p, _ in stack]
        if target in path:
            element = activity.get("id") or "callActivity"
            chain = " → ".join(path[path.index(target):] + [target])
            problems.setdefault(element, ModelProblem(element, f"调用活动形成递归调用（{chain}），流程将永不结束"))
        elif target in calls and target not in done:
            stack.append((target, iter(calls[target])))
    return list(problems.values())


def parse_model(xml: bytes) -> ParsedModel:
    """Parse and check a BPMN document; raise ModelInvalid naming each bad element."""
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise ModelInvalid([ModelProblem("document", _xml_error(exc))]) from None
    if root.getroottree().docinfo.internalDTD is not None or root.getroottree().docinfo.doctype:
        raise ModelInvalid([ModelProblem("document", _NO_DOCTYPE)])
    _check_size(root)
    process = _executable_process(root)
    problems = _sandbox_problems(root) + _length_problems(root, process) + _recursion_problems(root, process.get("id"))
    problems += [ModelProblem(element, problem) for element, problem in support.problems(root, process)]
    text = etree.tostring(root, encoding="unicode")  # the model as written; Spiff gets fixed timer values quoted
    timer_problems, start_timer = check_timers(root, process)
    problems += [ModelProblem(element, problem) for element, problem in timer_problems]
    if problems:
        raise ModelInvalid(problems)
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(etree.ElementTree(root), filename="model.bpmn")
        spec = parser.get_spec(process.get("id"))
        subprocess_specs = parser.get_subprocess_specs(process.get("id"))
    except ValidationException as exc:
        raise ModelInvalid([ModelProblem(*translate(exc))]) from None
    except Exception as exc:  # the parser failing in its own code on a document it did not expect
        raise ModelInvalid([ModelProblem("document", f"无法解析模型（{type(exc).__name__}）")]) from None
    user_tasks = definitions(root, (spec, *subprocess_specs.values()))
    return ParsedModel(process.get("id"), process.get("name") or process.get("id"), spec,
                       subprocess_specs, '<?xml version="1.0" encoding="UTF-8"?>\n' + text, user_tasks, start_timer)


_NO_DOCTYPE = "模型不能包含 DOCTYPE 声明或实体定义（建模工具不会写入，请删除文件开头的 <!DOCTYPE …>）"
# libxml2's messages (their start) -> what a designer reads; anything else is a syntax error at its line.
_XML_REASONS = [
    ("Document is empty", "文件为空，或不是 XML 文本"),
    ("Start tag expected", "文件不是 XML 文本"),
    ("Invalid bytes in character encoding", "文件编码与其声明不符（请以 UTF-8 保存）"),
    ("Input is not proper UTF-8", "文件编码与其声明不符（请以 UTF-8 保存）"),
    ("Excessive depth", "元素嵌套过深（不能超过 256 层）"),
    ("Maximum entity amplification", _NO_DOCTYPE),
    ("Detected an entity reference loop", _NO_DOCTYPE),
    ("Attribute references external entity", _NO_DOCTYPE),
    ("Entity '", "引用了未定义的实体（特殊字符请写作 &amp;、&lt;、&gt;、&quot;）"),
    ("Opening and ending tag mismatch", "开始标签与结束标签不匹配"),
    ("Premature end of data", "文件不完整（缺少结束标签）"),
    ("Extra content at the end of the document", "根元素之后还有多余内容"),
    ("Unescaped '<' not allowed in attributes", "属性值中不能直接写 <（请写作 &lt;）"),
    ("xmlParseEntityRef: no name", "& 须写作 &amp;"),
]


def _xml_error(exc):
    """An lxml syntax error in Chinese, with its line and column (libxml2's English is not shown)."""
    message = str(exc.msg or "")
    reason = next((text for start, text in _XML_REASONS if message.startswith(start)), "语法错误")
    line, column = exc.position if exc.position else (exc.lineno, 0)
    return f"XML 格式错误（第 {line} 行第 {column} 列）：{reason}"


def _check_size(root):
    elements = ids = 0
    for node in root.iter():
        elements += 1
        ids += node.get("id") is not None
        if elements > MAX_ELEMENTS or ids > MAX_IDS:
            raise ModelInvalid([ModelProblem("document", f"模型过大：元素不能超过 {MAX_ELEMENTS} 个，带 id 的元素（任务、连线、"
                                                         f"图形等）不能超过 {MAX_IDS} 个；请把流程拆分为几个模型")])


def _length_problems(root, process):
    problems = []
    if len(process.get("id")) > MAX_PROCESS_ID:
        problems.append(ModelProblem("definitions", f"流程 id 不能超过 {MAX_PROCESS_ID} 个字符"))
    elif not _PROCESS_ID.fullmatch(process.get("id")):
        problems.append(ModelProblem("definitions", "流程 id 只能由字母、数字、下划线、点和连字符组成，且以字母或下划线开头"
                                                    "（如 Process_1）"))
    if len(process.get("name") or "") > MAX_NAME:
        problems.append(ModelProblem(process.get("id")[:MAX_PROCESS_ID], f"流程名称不能超过 {MAX_NAME} 个字符"))
    human = {f"{{{NS['bpmn']}}}{tag}" for tag in ("userTask", "manualTask", "task")}
    for node in root.iter(f"{{{NS['bpmn']}}}*"):
        if node is process or (len(node.get("name") or "") <= MAX_NAME and len(node.get("id") or "") <= MAX_PROCESS_ID):
            continue
        # every element's id and name reach pages and messages: a failed step's, an incident's text, a 422's keys
        what = "任务" if node.tag in human else "元素"
        problems.append(ModelProblem((node.get("id") or etree.QName(node).localname)[:MAX_PROCESS_ID],
                                     f"{what} id 不能超过 {MAX_PROCESS_ID} 个字符，名称不能超过 {MAX_NAME} 个字符"))
    return problems


_FLOW_NODES = ("startEvent", "userTask", "manualTask", "task", "scriptTask", "serviceTask", "subProcess", "transaction",
               "callActivity", "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
               "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "endEvent")


def flow_order(xml):
    """The ids of a stored model's elements in the order a case meets them: breadth first from each process's start
    events along the sequence flows (parallel branches side by side), a subprocess's own steps right after it, a
    task's boundary events with its successors; elements no flow reaches follow in document order. Pages list steps
    this way, not in the order the modeler happened to write them (a subprocess's step after every other)."""
    from collections import deque
    try:
        root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml,
                                etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:  # never a deployed model's (parse_model checked it): no order, pages keep theirs
        return []
    nodes = [e for e in root.iter() if etree.QName(e).localname in _FLOW_NODES and e.get("id")]
    kind = {node.get("id"): etree.QName(node).localname for node in nodes}
    inner = {node.get("id"): [child.get("id") for child in node.xpath("bpmn:startEvent", namespaces=NS)]
             for node in nodes if kind[node.get("id")] in ("subProcess", "transaction")}
    following = {node.get("id"): [] for node in nodes}
    for node in nodes:
        if node.get("attachedToRef") in following:
            following[node.get("attachedToRef")].append(node.get("id"))
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        if flow.get("sourceRef") in following:
            following[flow.get("sourceRef")].append(flow.get("targetRef"))
    order, seen = [], set()

    def walk(starts):
        queue = deque(starts)
        while queue:
            element = queue.popleft()
            if element in seen or element not in following:
                continue
            seen.add(element)
            order.append(element)
            walk(inner.get(element, ()))
            queue.extend(following[element])
    walk(node.get("id") for node in nodes
         if kind[node.get("id")] == "startEvent" and etree.QName(node.getparent()).localname == "process")
    return order + [node.get("id") for node in nodes if node.get("id") not in seen]


@functools.lru_cache(maxsize=64)
def flow_positions(xml):
    """{element id: its place in flow_order}: a deployed version's XML never changes, so the pages parse each
    version once per process, not at every view."""
    return {element: index for index, element in enumerate(flow_order(xml))}
