"""What a deployed model may hold: elements the service does not run are refused before a case could wait on them.

The service has no way to deliver a message or a signal from outside a case, and no DMN tables, mail or queues:
an element that waits for one of those, or that needs one, would leave a case waiting forever. A message or
signal caught inside the model is accepted when the model itself throws it (an intermediate throw or end event
naming the same message or signal); the case's run then delivers it.
"""
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}

_ELEMENTS = {
    "businessRuleTask": "业务规则任务（DMN 决策表）尚未支持",
    "sendTask": "发送任务尚未支持（本服务不对外发送消息）",
    "receiveTask": "接收任务尚未支持（本服务不接收外部消息，案件会一直等待）",
    "complexGateway": "复杂网关尚未支持",
    "adHocSubProcess": "自由子流程（ad-hoc）尚未支持",
}
_DEFINITIONS = {
    "conditionalEventDefinition": "条件事件尚未支持（条件无人重新评估，案件会一直等待）",
    "compensateEventDefinition": "补偿事件尚未支持",
    "linkEventDefinition": "链接事件尚未支持（请直接用连线）",
}
_CATCHES = "self::bpmn:startEvent or self::bpmn:intermediateCatchEvent or self::bpmn:boundaryEvent"
_THROWS = "self::bpmn:intermediateThrowEvent or self::bpmn:endEvent"


def label(node):
    """How a refusal names an element: “名称”（id）, or its id when it has no name."""
    name, element = (node.get("name") or "").strip(), node.get("id") or node.tag.rpartition("}")[2]
    return f"“{name}”（{element}）" if name else element


def problems(root, process):
    """(element id, reason) for every element of the document the service would not run."""
    found = []
    for tag, reason in _ELEMENTS.items():
        for node in root.xpath(f"//bpmn:{tag}", namespaces=NS):
            found.append((_id(node, tag), f"{label(node)}：{reason}"))
    for tag, reason in _DEFINITIONS.items():
        for node in root.xpath(f"//bpmn:{tag}", namespaces=NS):
            event = node.getparent()
            found.append((_id(event, tag), f"{label(event)}：{reason}"))
    for node in root.xpath("//bpmn:scriptTask[@scriptFormat]", namespaces=NS):
        if node.get("scriptFormat").strip().lower() not in ("python", "text/x-python", ""):
            found.append((_id(node, "scriptTask"),
                          f"{label(node)}：只支持 Python 脚本；当前脚本语言为 {node.get('scriptFormat')[:50]}"))
    for gateway in root.xpath("//bpmn:eventBasedGateway", namespaces=NS):
        targets = {flow.get("targetRef") for flow in root.xpath("//bpmn:sequenceFlow[@sourceRef=$id]", namespaces=NS,
                                                                 id=gateway.get("id"))}
        timers = [t for t in targets if root.xpath("//*[@id=$id]/bpmn:timerEventDefinition", namespaces=NS, id=t)]
        if len(timers) > 1:
            found.append((_id(gateway, "eventBasedGateway"),
                          f"{label(gateway)}：事件网关后最多只能有一个定时器事件（当前 {len(timers)} 个：{'、'.join(sorted(timers))}）"))
    processes = {node.get("id") for node in root.xpath("//bpmn:process", namespaces=NS)}
    for node in root.xpath("//bpmn:callActivity[@calledElement]", namespaces=NS):
        if node.get("calledElement") not in processes:
            found.append((_id(node, "callActivity"), f"{label(node)}：要调用的流程 {node.get('calledElement')[:100]} "
                                                     f"不在本模型文件中（被调用的流程须画在同一文件里）"))
    for node in root.xpath("//bpmn:dataStoreReference", namespaces=NS):
        found.append((_id(node, "dataStoreReference"), f"{label(node)}：数据存储尚未支持"))
    found += _start_problems(process)
    for kind, ref, what in (("message", "messageRef", "消息"), ("signal", "signalRef", "信号")):
        found += _catch_problems(root, kind, ref, what)
    return found


def _id(node, fallback):
    return node.get("id") or fallback


def _start_problems(process):
    """A case is started by a person (or a timer): a start event of the process that waits for anything else
    would never fire."""
    found = []
    for start in process.xpath("./bpmn:startEvent", namespaces=NS):
        for definition in start:
            tag = definition.tag.rpartition("}")[2]
            if tag in ("messageEventDefinition", "signalEventDefinition"):
                found.append((_id(start, "startEvent"),
                              f"{label(start)}：流程的开始事件不能等待消息或信号（案件由用户发起，或由定时开始事件发起）"))
    return found


def _catch_problems(root, kind, ref, what):
    thrown = {node.get(ref) for node in root.xpath(
        f"//bpmn:{kind}EventDefinition[parent::*[{_THROWS}]]", namespaces=NS)}
    names = {node.get("id"): (node.get("name") or node.get("id")) for node in root.xpath(f"//bpmn:{kind}",
                                                                                            namespaces=NS)}
    found = []
    for definition in root.xpath(f"//bpmn:{kind}EventDefinition[parent::*[{_CATCHES}]]", namespaces=NS):
        event, target = definition.getparent(), definition.get(ref)
        if event.tag.endswith("}startEvent") and event.getparent() is not None \
                and event.getparent().tag.endswith("}process"):
            continue  # the process's own start: _start_problems
        if not target:
            found.append((_id(event, kind), f"{label(event)}：等待的{what}未指定（{ref}）"))
        elif target not in names:
            found.append((_id(event, kind), f"{label(event)}：等待的{what} {target} 在模型中未定义"))
        elif target not in thrown:
            found.append((_id(event, kind), f"{label(event)}：等待{what}“{names[target]}”，但模型中没有发出它的事件，"
                                            f"案件会一直等待（本服务不接收外部{what}）"))
    return found
