"""SpiffWorkflow's parser messages, in Chinese and naming the element, without Python's internals.

The parser raises ValidationException with English text and, when it knows it, the node (id, name, tag); a
failure inside its own code comes back as the repr of a Python exception, sometimes with a memory address.
Known messages are translated; anything else is named as unreadable, with its English text stripped of
addresses, object reprs and XML.
"""
import re

_KNOWN = [
    (r"Non-default exclusive outgoing sequence flow without condition",
     "排他网关的非默认出口连线缺少条件（请为连线写条件，或把其中一条设为默认连线）"),
    (r"Multiple outgoing flows are not supported", "此类元素只能有一条出口连线（多条出口请用网关）"),
    (r"No start event found", "流程或子流程缺少开始事件"),
    (r"Exactly one start event is required in a SubWorkflow Task; found (\d+)",
     "子流程必须有且只有一个开始事件（当前 {0} 个）"),
    (r"A SubWorkflow Must contain an End event", "子流程必须有结束事件"),
    (r'No "calledElement" attribute for Call Activity', "调用活动未指定被调用的流程（calledElement）"),
    (r"The process '([^']*)' was not found", "调用活动要调用的流程 {0} 不在本模型文件中"),
    (r"Invalid Script Task.\s+No Script Provided", "脚本任务没有脚本内容"),
    (r"Could not find messageRef from message event definition: (\S+)", "消息事件引用的消息 {0} 在模型中未定义"),
    (r"Message identifier is missing", "消息定义缺少 id"),
    (r"Signal identifier is missing", "信号定义缺少 id"),
    (r"Error identifier is missing", "错误定义缺少 id"),
    (r"Escalation identifier is missing", "升级定义缺少 id"),
    (r"Conditional event definition with missing condition", "条件事件缺少条件"),
    (r"Unknown Time Specification", "定时器未指定时间（timeDate、timeDuration 或 timeCycle）"),
    (r"Time Specification Error", "定时器的时间无效"),
    (r"Duplicate process ID: (\S+)", "流程 id {0} 重复"),
    (r"There is no support implemented for this task type", "不支持此类元素"),
    (r"Cannot resolve dataInputAssociation", "数据输入关联无法解析（引用的数据对象不存在）"),
    (r"Cannot resolve dataOutputAssociation", "数据输出关联无法解析（引用的数据对象不存在）"),
    (r"Sequential ordering for ad hoc subprocesses not supported", "自由子流程（ad-hoc）尚未支持"),
    (r"Ad hoc subprocesses may not contain start or end events", "自由子流程（ad-hoc）尚未支持"),
    (r"Process \S+ is not executable", "流程未设为可执行（isExecutable=\"true\"）"),
    (r"perhaps a form has the same ID\? \(([^)]*)\)", "连线指向的元素 {0} 不存在或 id 重复"),
    (r"must specify a cardinality or a loop input data reference",
     "多实例任务须指定实例数（loopCardinality）或输入集合（loopDataInputRef）；camunda:collection 不读取"),
    (r"must specify exactly one of cardinality",
     "多实例任务只能指定实例数（loopCardinality）或输入集合（loopDataInputRef）之一"),
    (r"loopMaximum or loopCondition must be specified", "循环任务须指定最大次数（loopMaximum）或结束条件（loopCondition）"),
    (r"Cancel Events may only be used with transactions", "取消事件只能用于事务子流程"),
    (r"Data Store", "数据存储尚未支持"),
    (r"[Cc]orrelation", "消息关联（correlation）定义不完整"),
]
_KNOWN = [(re.compile(pattern), text) for pattern, text in _KNOWN]
_NOISE = [
    re.compile(r"<[^<>]*\bat 0x[0-9a-fA-F]+>"),  # <Element {ns}task at 0x7f...>
    re.compile(r"\bat 0x[0-9a-fA-F]+"),
    re.compile(r"0x[0-9a-fA-F]{6,}"),
    re.compile(r"\{https?://[^}]*\}"),  # namespaces in Clark notation
    re.compile(r"b?'<[^']*'"),  # serialised XML
]


def translate(exc):
    """(element id or "document", Chinese text naming the element) for a SpiffWorkflow ValidationException."""
    message = str(exc).split("\n")[0]
    element = getattr(exc, "id", "") or ""
    name = getattr(exc, "name", "") or ""
    tag = (getattr(exc, "tag", "") or "").removeprefix("bpmn:")
    for pattern, text in _KNOWN:
        found = pattern.search(message)
        if found:
            reason = text.format(*(clean(group or "") or "（未命名）" for group in found.groups()))
            break
    else:
        reason = f"模型无法解析（{clean(message) or '解析器未给出原因'}）"
    if element:
        where = f"“{name}”（{element}）" if name else element
    else:
        where = tag or ""
    return element or "document", f"{where}：{reason}" if where else reason


def clean(text):
    """English text with memory addresses, namespaces and XML removed, at most 200 characters."""
    for pattern in _NOISE:
        text = pattern.sub("", text)
    return re.sub(r"\s+", " ", text).strip()[:200]
