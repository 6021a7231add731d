"""Forms are data: JSON-Schema files in forms/, snapshotted into each deployed model version."""
from .library import FormLibrary
from .store import Form, collect_forms, load_form, resolve_choices, step_forms, version_documents
from .validation import SchemaInvalid, check_schema, validate

__all__ = ["Form", "FormLibrary", "SchemaInvalid", "check_schema", "collect_forms", "load_form", "resolve_choices",
           "step_forms", "validate", "version_documents"]
