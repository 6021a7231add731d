"""A pool of script worker processes (script_worker.py), so designers' code runs under OS limits.

Why processes: memory and the time spent inside one builtin call can only be
bounded from outside the interpreter. Each worker sets RLIMIT_AS and a per-call
RLIMIT_CPU on itself; here the parent adds a wall-clock deadline (the timeout
plus GRACE, since RLIMIT_CPU counts whole seconds) and kills a worker that
passes it, sends a reply larger than the cap, breaks the protocol or dies. A
killed or exhausted worker is simply not reused; the next call starts another.

Why subprocess.Popen of a plain script rather than multiprocessing: fork would
copy a threaded server (its locks, database connections, task data) into code
that runs designers' scripts; spawn and forkserver re-import the parent's main
module (gunicorn, pytest) and talk pickle, and a reply from a process that ran
untrusted code must never be unpickled. A worker here is `python -I`, with a
minimal environment (no secrets in it) and only its pipes, talking
length-prefixed JSON.

Threads: a call takes an idle worker or, below `size`, starts one; otherwise it
waits for one to come back. After os.fork the child forgets the parent's
workers (closing its copies of their pipes, so they still see end of input when
the parent exits) and starts its own. At interpreter exit the workers are
asked to stop (end of input), then killed if they linger, and always reaped.
"""
import atexit
import json
import os
import threading
import time
import weakref

from .restricted import ScriptLimit
from .worker_process import Lost, WorkerProcess

REPLY_LIMIT = 4 * 1024 * 1024
GRACE = 1.5  # seconds beyond the timeout: RLIMIT_CPU fires up to a second late, then the worker must be seen dead


class WorkerPool:
    """Up to `size` workers, each limited to `memory_mb`, started on demand and shared by threads."""

    def __init__(self, memory_mb=256, size=4, reply_limit=REPLY_LIMIT):
        self.memory_mb = memory_mb
        self.size = size
        self.reply_limit = reply_limit
        self.started = 0  # workers started by this process so far
        self._forget()
        _POOLS.add(self)

    def _forget(self):
        self._pid = os.getpid()
        self._cond = threading.Condition()
        self._idle = []
        self._workers = set()  # idle and busy
        self._starting = 0

    def run(self, payload, timeout):
        """Send one request (JSON bytes) to a worker and return its reply, decoded.

        Raises ScriptTimeout past the deadline or on SIGXCPU, ScriptLimit when the worker ran out of memory,
        sent too much or died; the worker is then killed and replaced on the next call.
        """
        if self._pid != os.getpid():
            self._after_fork()
        worker = self._acquire()
        try:
            reply = json.loads(worker.call(payload, time.monotonic() + timeout + GRACE, timeout, self.reply_limit))
            if not isinstance(reply, dict):
                raise ValueError("reply is not an object")
        except Lost as lost:
            self._release(worker, keep=False)
            raise lost.error from None
        except (ValueError, RecursionError):
            self._release(worker, keep=False)
            raise ScriptLimit("脚本进程的回复无法识别，已中止") from None
        except BaseException:
            self._release(worker, keep=False)
            raise
        if reply.get("limit") == "memory":
            self._release(worker, keep=False)
            raise ScriptLimit(f"脚本占用内存超过 {self.memory_mb} MB，已中止")
        self._release(worker, keep=True)
        return reply

    def pids(self):
        """Process ids of the live workers (for tests and operators)."""
        with self._cond:
            return sorted(w.pid for w in self._workers)

    def _acquire(self):
        with self._cond:
            while True:
                for worker in [w for w in self._idle if not w.alive()]:  # died while idle: reap it
                    self._idle.remove(worker)
                    self._workers.discard(worker)
                    worker.kill()
                if self._idle:
                    return self._idle.pop()
                if len(self._workers) + self._starting < self.size:
                    self._starting += 1
                    break
                self._cond.wait()
        worker = None
        try:
            worker = WorkerProcess(self.memory_mb)
            return worker
        finally:
            with self._cond:
                self._starting -= 1
                if worker is None:
                    self._cond.notify()
                else:
                    self._workers.add(worker)
                    self.started += 1

    def _release(self, worker, keep):
        with self._cond:
            keep = keep and worker in self._workers  # not after close()
            if keep:
                self._idle.append(worker)
            else:
                self._workers.discard(worker)
            self._cond.notify()
        if not keep:
            worker.kill()

    def _after_fork(self):
        for worker in self._workers:
            worker.abandon()
        self._forget()

    def close(self, wait=2.0):
        """Stop every worker: end of input first, then SIGKILL for those still running after `wait` seconds."""
        if self._pid != os.getpid():
            return
        with self._cond:
            workers = list(self._workers)
            self._idle, self._workers = [], set()
        for worker in workers:
            worker.close_input()
        until = time.monotonic() + wait
        for worker in workers:
            worker.wait(until - time.monotonic())
            worker.kill()


_POOLS = weakref.WeakSet()
_SHARED = {}
_SHARED_LOCK = threading.Lock()


def shared_pool(memory_mb):
    """The process's pool for a memory limit: every engine with the same limit shares its workers."""
    with _SHARED_LOCK:
        if memory_mb not in _SHARED:
            _SHARED[memory_mb] = WorkerPool(memory_mb)
        return _SHARED[memory_mb]


def _after_fork_in_child():
    global _SHARED_LOCK
    _SHARED_LOCK = threading.Lock()
    for pool in list(_POOLS):
        pool._after_fork()


def _close_all():
    for pool in list(_POOLS):
        pool.close()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_close_all)
