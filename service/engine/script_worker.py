"""A script worker: the child process that runs designers' code under OS limits on memory and CPU.

RestrictedPython decides what a script may name; it cannot stop a comprehension
from filling the memory, or one builtin call from running for minutes. So code
that is not trivially cheap runs here, in a process the OS bounds: RLIMIT_AS
caps its address space (an allocation beyond it raises MemoryError), and before
each call the RLIMIT_CPU soft limit is raised to the CPU already used plus the
call's timeout, so the kernel ends a runaway builtin with SIGXCPU. The parent
(script_pool.py) also keeps a wall-clock deadline and kills the process when it
passes.

script_pool starts this file as `python -I script_worker.py MEMORY_MB`. It
imports only the standard library, RestrictedPython and the sibling module
restricted.py as a plain module, not the bangfu package, whose import loads
Flask and takes a second; a worker starts in a few tens of milliseconds.

Protocol, on stdin and stdout: each message is a 4-byte big-endian length, then
that many bytes of ASCII JSON. The worker first sends {"ready": pid}. A request
is {"op": "eval" or "exec", "source", "context", "timeout"} and, for code that names a working-day
helper (add_working_days, is_working_day), "calendar": the known years' holidays (workdays.py); the reply is
{"value"} for eval, {"set": {name: value}, "deleted": [names]} for exec (only
the values the script changed: the parent holds the others already),
{"error": class name, "args", "line"} when the code raised, or {"limit":
"memory"}, after which the worker exits. It also exits at end of input, which
is how it notices that its parent has gone.
"""
import json
import math
import os
import resource
import signal
import struct
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from restricted import (  # noqa: E402
    ScriptLimit, compile_expression, compile_script, is_data, json_value, namespace, run_bounded)
from workdays import Workdays, helpers  # noqa: E402

HEADER = struct.Struct(">I")
MEMORY_REPLY = '{"limit": "memory"}'
MAX_ERROR_JSON = 8000


def set_limits(memory_mb):
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGXCPU would otherwise dump core


def limit_cpu(timeout):
    """Let this call use `timeout` more seconds of CPU (the limit counts whole seconds, so up to one more)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + timeout)
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def run(request):
    """The reply, as JSON text, to one eval or exec request."""
    context = request["context"]
    calendar = request.get("calendar")  # sent only with code that names a working-day helper
    names = namespace(context, helpers(Workdays.from_json(calendar)) if calendar is not None else None)
    if request["op"] == "eval":
        value = run_bounded(compile_expression(request["source"]), names, request["timeout"])
        try:
            return '{"value": ' + json.dumps(value) + "}"
        except (TypeError, ValueError):
            raise ScriptLimit(f"表达式的值不能传回（{type(value).__name__} 不是 JSON 数据）") from None
    sent = {key: json.dumps(value) for key, value in context.items()}  # the parent holds these already
    run_bounded(compile_script(request["source"]), names, request["timeout"])
    written = []
    for key, value in names.items():
        if is_data(key, value) and (text := json_value(key, value)) != sent.get(key):
            written.append(json.dumps(key) + ": " + text)
    deleted = [key for key in context if key not in names]
    return '{"set": {' + ", ".join(written) + '}, "deleted": ' + json.dumps(deleted) + "}"


def failure(exc):
    """The reply for an exception the code raised: its class name, arguments and line in the script."""
    line = 0
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == "<string>":
            line = frame.lineno or 0
    try:
        args = json.dumps(list(exc.args))
    except (TypeError, ValueError):
        args = None
    if args is None or len(args) > MAX_ERROR_JSON:
        args = json.dumps([str(exc)[:MAX_ERROR_JSON // 8]])
    return f'{{"error": {json.dumps(type(exc).__name__)}, "args": {args}, "line": {line}}}'


def handle(request):
    """(reply, whether to exit afterwards). A MemoryError ends the worker: the parent starts a fresh one."""
    try:
        try:
            return run(request), False
        except MemoryError:
            raise
        except BaseException as exc:  # the designer's error (even SystemExit), reported to the parent
            return failure(exc), False
    except MemoryError:
        # Leaving this frame frees the traceback and, with it, the script's namespace.
        return MEMORY_REPLY, True


def read_message(stream):
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    body = stream.read(size)
    return json.loads(body) if len(body) == size else None


def send(stream, text):
    body = text.encode("ascii")
    stream.write(HEADER.pack(len(body)) + body)
    stream.flush()


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C meant for the service; end of input stops us
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed by accident goes to stderr, never into the protocol
    set_limits(int(sys.argv[1]))
    try:
        send(replies, json.dumps({"ready": os.getpid()}))
        while (request := read_message(requests)) is not None:
            limit_cpu(request["timeout"])
            reply, leave = handle(request)
            send(replies, reply)
            if leave:
                return
    except BrokenPipeError:  # the parent has gone
        return


if __name__ == "__main__":
    main()
