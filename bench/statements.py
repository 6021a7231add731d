"""The SQL statements a task completion issues, counted and grouped by shape.

    python bench/statements.py [--cases 3] [--seed 7] [--all]

Drives hardship cases through the API as bench/cases.py does (fresh SQLite file, in-process test client) and
counts, with SQLAlchemy's `before_cursor_execute` event, every statement each POST /api/v1/tasks/{id}/complete
sends to the database, the transaction's BEGIN and COMMIT included (they are the driver's own calls, not
statements, so they are counted apart). Prints the statements per completion (mean, min, max) and the
statements grouped by shape (literals and bind values out, IN lists collapsed), with how often each shape came
per completion, so a repeated lookup or a row read back after its write stands out. `--all`: every shape,
not only the first 40. Run it with BANGFU_INSTANCE_CACHE=0 to see the path of a case that is not cached.
"""
import argparse
import collections
import random
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import event  # noqa: E402

from _setup import LANE_USER, ORDER, PROCESS, Client, check, make_app, print_machine  # noqa: E402
from cases import RANK, case_inputs  # noqa: E402

from bangfu.db import engine_of  # noqa: E402


def shape(statement):
    """The statement without its values: literals as ?, IN lists as (?...), whitespace folded."""
    text = re.sub(r"\s+", " ", statement).strip()
    text = re.sub(r"'(?:[^']|'')*'", "?", text)
    text = re.sub(r"\b\d+\b", "?", text)
    text = re.sub(r"%\(\w+\)s", "?", text)
    text = re.sub(r"\((?:\s*(?:\?|__\[POSTCOMPILE_\w+\])\s*,?)+\)", "(?...)", text)
    return text


class Recorder:
    def __init__(self, engine):
        self.on = False
        self.statements = []
        self.transactions = collections.Counter()
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", lambda conn: self._transaction("COMMIT"))
        event.listen(engine, "rollback", lambda conn: self._transaction("ROLLBACK"))

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            self.statements.append(statement)

    def _transaction(self, what):
        if self.on:
            self.transactions[what] += 1

    def take(self):
        statements, self.statements = self.statements, []
        transactions, self.transactions = self.transactions, collections.Counter()
        return statements, transactions


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--all", action="store_true", help="every shape, not only the 40 most frequent")
    args = parser.parse_args()
    print_machine()
    with tempfile.TemporaryDirectory(prefix="bangfu-statements-") as workdir:
        app = make_app(workdir)
        api = Client(app)
        for user in set(LANE_USER.values()):
            api.token(user)
        recorder = Recorder(engine_of(app))
        per_completion, shapes, per_task, transactions = [], collections.Counter(), {}, collections.Counter()
        for data in case_inputs(random.Random(args.seed), args.cases):
            case = check(api.post("/api/v1/cases", "union1", json={"process": PROCESS}), 201)
            open_tasks = case["open_tasks"]
            while open_tasks:
                task = min(open_tasks, key=lambda t: RANK.get(t["name"], 99))
                recorder.on = True
                response = api.post(f"/api/v1/tasks/{task['id']}/complete", LANE_USER[task["role"]],
                                    json={"data": data[task["name"]]})
                recorder.on = False
                statements, ends = recorder.take()
                open_tasks = check(response)["next_tasks"]
                per_completion.append(len(statements))
                per_task.setdefault(task["name"], []).append(len(statements))
                shapes.update(shape(s) for s in statements)
                transactions.update(ends)
    n = len(per_completion)
    if n != args.cases * len(ORDER):
        raise SystemExit(f"expected {args.cases * len(ORDER)} completions, drove {n}")
    print(f"completions: {n}")
    print(f"statements per completion: mean {sum(per_completion) / n:.1f}, min {min(per_completion)}, "
          f"max {max(per_completion)}; transactions ended: "
          + ", ".join(f"{what} {count / n:.2f}" for what, count in sorted(transactions.items())) + " per completion")
    print("per task: " + ", ".join(f"{name} {sum(v) / len(v):.0f}" for name, v in per_task.items()))
    print("\nper completion  statement shape")
    for text, count in shapes.most_common(None if args.all else 40):
        print(f"{count / n:14.2f}  {text[:400]}")


if __name__ == "__main__":
    main()
