"""A wall-clock bound on engine work in the calling thread, with no cost while it is not exceeded.

Scripts run in worker processes with their own limits (sandbox), and every engine step is counted,
but one step of SpiffWorkflow's own Python code can still run long. Signals only reach the main
thread, and requests run on worker threads, so a single watchdog thread raises DeadlineExceeded in the
late thread through CPython's PyThreadState_SetAsyncExc, which lands at the next check of that thread's
eval loop. Code that must not be cut half-way (the script pool's bookkeeping) runs `shielded`: a
deadline passing meanwhile is raised, as an ordinary exception, when the shield ends. An exception set
just as the block finished is taken in `within` itself, never in the caller's code. (Clearing it with
SetAsyncExc(id, NULL) instead leaves CPython 3.11's eval breaker set for good: the next traced code spins.)

An asynchronous exception lands in whatever Python code the thread runs at that moment, and that may be a
weakref or GC callback (or a finaliser) run by a collection in the middle of the block, where CPython
swallows it ("Exception ignored in ..."). The block must end all the same: `within.check()`, called at
the block's step boundaries, raises DeadlineExceeded once the deadline has fired, and a block that ends
with its deadline fired but no exception left to take raises it on leaving. Before the deadline fires a
check is one set lookup.
"""
import ctypes
import heapq
import itertools
import os
import threading
import time
from contextlib import contextmanager

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc  # (thread id, exception class) -> threads hit
_ABSORB_SECONDS = 1.0


class DeadlineExceeded(BaseException):
    """The bounded block ran past its deadline. A BaseException, so that SpiffWorkflow's own
    `except Exception` (which would mark a task as failed and carry on) lets it through."""


class _Watchdog:
    def __init__(self):
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._heap = []  # (deadline, token)
        self._armed = {}  # token -> thread id
        self._fired = set()  # tokens whose exception was set on their thread
        self._held = {}  # token -> thread id: due while the thread was shielded
        self._shields = {}  # thread id -> depth
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
            if self._heap[0][1] == token:  # otherwise the watchdog already wakes before this deadline
                self._wake.notify()
            return token

    def disarm(self, token):
        """True when the deadline's exception was set on the thread (it may not have landed yet)."""
        with self._lock:
            self._armed.pop(token, None)
            self._held.pop(token, None)
            fired = token in self._fired
            self._fired.discard(token)
            return fired

    def shield(self):
        with self._lock:
            thread_id = threading.get_ident()
            self._shields[thread_id] = self._shields.get(thread_id, 0) + 1

    def unshield(self):
        """True when a deadline of this thread passed while it was shielded."""
        with self._lock:
            thread_id = threading.get_ident()
            depth = self._shields.pop(thread_id) - 1
            if depth:
                self._shields[thread_id] = depth
                return False
            held = [token for token, holder in self._held.items() if holder == thread_id]
            for token in held:
                del self._held[token]
            return bool(held)

    def _watch(self):
        with self._lock:
            while True:
                while self._heap and not self._due_later(self._heap[0][1]):
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
                self._fire(token)

    def _due_later(self, token):
        return token in self._armed and token not in self._fired and token not in self._held

    def _fire(self, token):
        thread_id = self._armed[token]
        if self._shields.get(thread_id):
            self._held[token] = thread_id
        else:
            self._fired.add(token)  # first: fired on its own thread (fire_now) it lands as the call returns
            if not _set_async_exc(ctypes.c_ulong(thread_id), ctypes.py_object(DeadlineExceeded)):
                self._fired.discard(token)  # the thread has gone

    def fire_now(self, token):
        """Fire an armed deadline at once, as if its time had come: tests choose where its exception lands."""
        with self._lock:
            if self._due_later(token):
                self._fire(token)


_watchdog = _Watchdog()


def _reset_after_fork():
    global _watchdog
    _watchdog = _Watchdog()  # the parent's thread and lock did not come along


os.register_at_fork(after_in_child=_reset_after_fork)


class within:
    """`with within(seconds):` runs the block; DeadlineExceeded is raised in it once `seconds` have passed."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        self.token = _watchdog.arm(self.seconds)
        return self

    def __exit__(self, exc_type, exc, traceback):
        if _watchdog.disarm(self.token) and exc_type is not DeadlineExceeded:
            if not _absorb() and exc_type is None:
                raise DeadlineExceeded()  # it was swallowed on its way and the block ran on past its deadline
        return False

    def check(self):
        """Raise DeadlineExceeded when the deadline has fired, even if its exception never ended the block
        (swallowed in a callback); called between the block's steps."""
        if self.token in _watchdog._fired:  # no lock: a set lookup, all it costs before the deadline
            _absorb()  # still on its way: taken here, never later in the caller's code
            raise DeadlineExceeded()


def _absorb():
    """Take the exception set on this thread; True when it came (it had not landed yet). An exception set
    just as the block finished is taken here, and the block's work stands."""
    until = time.monotonic() + _ABSORB_SECONDS
    try:
        while time.monotonic() < until:  # every call checks the eval breaker: it lands at once
            pass
    except DeadlineExceeded:
        return True
    return False


@contextmanager
def shielded():
    """Run the block whole: a deadline passing meanwhile is raised when it ends (unless it failed anyway)."""
    _watchdog.shield()
    failed = True
    try:
        yield
        failed = False
    finally:
        if _watchdog.unshield() and not failed:
            raise DeadlineExceeded()
