"""Response objects: a domain object plus what one response adds to it, for a schema to dump."""


class View:
    def __init__(self, _base, **extra):
        self._base = _base
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self._base, name)
