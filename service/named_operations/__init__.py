"""Domain operations by name (办理规则): what a model calls to check, derive or record, whatever its task ids.

registry.py names each operation with its Chinese label and parameters; catalogue.py holds them; binding.py reads
which operations a task calls (a user task's `operations` property, a service task's operator) and checks a model
at deployment; running.py runs them for a task being completed or a service task the engine reaches.
"""
