"""Forms are data: JSON-Schema files in forms/, snapshotted into each deployed model version."""
from .store import collect_forms, resolve_choices
from .validation import SchemaInvalid, check_schema, validate

__all__ = ["SchemaInvalid", "check_schema", "collect_forms", "resolve_choices", "validate"]
