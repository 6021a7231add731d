"""What ships inside the package: the bundled process models and the forms their user tasks name.

In the source tree `bpmn` and `forms` here are links to the top-level folders of the same names; a wheel
carries copies. Either way they are read through importlib.resources, never by a path from the checkout.
"""
from importlib.resources import files
from importlib.resources.abc import Traversable


def bundled_models() -> Traversable:
    return files(__name__) / "bpmn"


def bundled_forms() -> Traversable:
    return files(__name__) / "forms"
