"""Every named operation, by name: each domain area declares its own beside its rules."""
from ..cases.rules import OPERATIONS as HARDSHIP
from ..households.review_rules import OPERATIONS as HOUSEHOLD_FILE
from ..money.programme_rules import OPERATIONS as PROGRAMMES

OPERATIONS = {operation.name: operation for operation in (*HARDSHIP, *HOUSEHOLD_FILE, *PROGRAMMES)}


def listed():
    """The operations as GET /operations lists them: by kind (checks, derive, record), then name."""
    order = {"checks": 0, "derive": 1, "record": 2}
    return [op.describe() for op in sorted(OPERATIONS.values(), key=lambda op: (order[op.kind], op.name))]
