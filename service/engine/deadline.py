"""A wall-clock bound on engine work in the calling thread, with no cost while it is not exceeded.

Scripts run in worker processes with their own limits (sandbox), and every engine step is counted,
but one step of SpiffWorkflow's own Python code can still run long (a multi-instance task creating a
great many children, say). Signals only reach the main thread, and requests run on worker threads, so
a single watchdog thread raises DeadlineExceeded in the late thread through CPython's
PyThreadState_SetAsyncExc, which lands at the next check of that thread's eval loop. An exception set
just as the block finished is taken in `within` itself, never in the caller's code. (Clearing it with
SetAsyncExc(id, NULL) instead leaves CPython 3.11's eval breaker set for good: the next traced code spins.)
"""
import ctypes
import heapq
import itertools
import threading
import time
from contextlib import contextmanager

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc  # (thread id, exception class) -> threads hit


class DeadlineExceeded(BaseException):
    """The bounded block ran past its deadline. A BaseException, so that SpiffWorkflow's own
    `except Exception` (which would mark a task as failed and carry on) lets it through."""


class _Watchdog:
    def __init__(self):
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._heap = []  # (deadline, token)
        self._armed = {}  # token -> thread id
        self._fired = set()
        self._tokens = itertools.count()
        self._thread = None

    def arm(self, seconds):
        with self._lock:
            token = next(self._tokens)
            self._armed[token] = threading.get_ident()
            heapq.heappush(self._heap, (time.monotonic() + seconds, token))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._watch, name="bangfu-engine-deadline", daemon=True)
                self._thread.start()
            self._wake.notify()
            return token

    def disarm(self, token):
        """True when the deadline fired: the exception was set on the thread."""
        with self._lock:
            self._armed.pop(token, None)
            fired = token in self._fired
            self._fired.discard(token)
            return fired

    def _watch(self):
        with self._lock:
            while True:
                while self._heap and self._heap[0][1] not in self._armed:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._wake.wait()
                    continue
                deadline, token = self._heap[0]
                delay = deadline - time.monotonic()
                if delay > 0:
                    self._wake.wait(delay)
                    continue
                heapq.heappop(self._heap)
                if _set_async_exc(ctypes.c_ulong(self._armed[token]), ctypes.py_object(DeadlineExceeded)):
                    self._fired.add(token)


_watchdog = _Watchdog()


@contextmanager
def within(seconds):
    """Run the block; raise DeadlineExceeded in it once `seconds` have passed."""
    token = _watchdog.arm(seconds)
    delivered = False
    try:
        yield
    except DeadlineExceeded:
        delivered = True
        raise
    finally:
        if _watchdog.disarm(token) and not delivered:
            _absorb()


def _absorb():
    """Take the exception set on this thread just as its block finished; the block's work stands."""
    try:
        for _ in range(50_000_000):  # it lands at the loop's first check of the eval breaker
            pass
    except DeadlineExceeded:
        pass
