"""The parent's handle on one script worker process (script_worker.py): start, framed I/O, death, kill.

Every read and write waits at most until the call's deadline (the pipe to the
worker is non-blocking and polled), so a worker that hangs, is stopped or
floods its output cannot hold the calling thread. A reply's length is read
before its body, and a reply longer than the cap is never read. When a worker
stops answering, its exit status says why: SIGXCPU is the kernel enforcing the
CPU limit, anything else is reported as an unexpected exit. The process is
always reaped, so none is left a zombie.

The worker runs `python -I` with a minimal environment (no secrets from ours)
and, through close_fds, only its own pipes: it cannot reach the database
connections or the other workers' pipes.
"""
import math
import os
import select
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

from .restricted import ScriptLimit, ScriptTimeout

WORKER = str(Path(__file__).with_name("script_worker.py"))
HEADER = struct.Struct(">I")
START_TIMEOUT = 15.0
_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LD_LIBRARY_PATH")


class Lost(Exception):
    """The worker cannot be used again; `error` is what the caller gets."""

    def __init__(self, error):
        super().__init__(error)
        self.error = error


class WorkerProcess:
    """One running worker, limited to `memory_mb`; ready to call once constructed."""

    def __init__(self, memory_mb):
        environment = {name: os.environ[name] for name in _ENVIRONMENT if name in os.environ}
        self.proc = subprocess.Popen([sys.executable, "-I", WORKER, str(memory_mb)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, bufsize=0, env=environment)
        self.pid = self.proc.pid
        os.set_blocking(self.proc.stdin.fileno(), False)  # writes, like reads, wait no longer than the deadline
        self._poll = select.poll()
        self._poll.register(self.proc.stdout, select.POLLIN)
        self._writable = select.poll()
        self._writable.register(self.proc.stdin, select.POLLOUT)
        deadline = time.monotonic() + START_TIMEOUT
        try:
            (size,) = HEADER.unpack(self._read(HEADER.size, deadline))
            if size > 100:
                raise Lost(None)
            self._read(size, deadline)  # {"ready": pid}: the limits are set
        except Lost:
            self.kill()
            raise RuntimeError("脚本进程无法启动") from None

    def call(self, payload, deadline, timeout, reply_limit):
        """The reply (bytes) to one request; Lost if the worker must not be used again."""
        self._write(HEADER.pack(len(payload)) + payload, deadline, timeout)
        (size,) = HEADER.unpack(self._read(HEADER.size, deadline, timeout))
        if size > reply_limit:
            raise Lost(ScriptLimit(f"脚本结果过大（超过 {reply_limit // (1024 * 1024)} MB），已中止"))
        return self._read(size, deadline, timeout)

    def _write(self, data, deadline, timeout):
        view = memoryview(data)
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Lost(ScriptTimeout(f"脚本运行超过 {timeout} 秒，已中止"))
            if not self._writable.poll(math.ceil(left * 1000)):
                continue
            try:
                view = view[os.write(self.proc.stdin.fileno(), view):]
            except BlockingIOError:
                continue
            except OSError:  # the worker has gone
                raise Lost(self._death(timeout)) from None

    def _read(self, size, deadline, timeout=None):
        data = bytearray()
        while len(data) < size:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Lost(ScriptTimeout(f"脚本运行超过 {timeout} 秒，已中止"))
            if not self._poll.poll(math.ceil(left * 1000)):
                continue
            chunk = os.read(self.proc.stdout.fileno(), min(size - len(data), 1 << 20))
            if not chunk:
                raise Lost(self._death(timeout))
            data += chunk
        return bytes(data)

    def _death(self, timeout):
        """The error for a worker that stopped answering: it exited, or the kernel ended it."""
        try:
            code = self.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            return ScriptLimit("脚本进程停止响应，已中止")
        if code == -signal.SIGXCPU:
            return ScriptTimeout(f"脚本运行超过 {timeout} 秒，已中止")
        reason = f"信号 {_signal_name(-code)}" if code < 0 else f"退出码 {code}"
        return ScriptLimit(f"脚本进程意外退出（{reason}），已中止")

    def alive(self):
        return self.proc.poll() is None

    def close_input(self):
        """Ask the worker to exit: it does at end of input, once any call it is running is over."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def wait(self, seconds):
        """Reap the worker if it exits within `seconds`."""
        try:
            self.proc.wait(timeout=max(seconds, 0))
        except subprocess.TimeoutExpired:
            pass

    def kill(self):
        """Kill and reap the process (a no-op if it has already gone) and close our pipe ends."""
        if self.proc.returncode is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()

    def abandon(self):
        """In a forked child: close our copies of the pipes, leave the process to the parent."""
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.proc.returncode = 0  # not our child: never wait for it


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)
