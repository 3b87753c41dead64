"""Errors raised by object stores; backend errors are translated at the adapter boundary.

    StorageError
    ├── ObjectNotFound       no object under that key (404)
    ├── StorageUnavailable   the backend does not answer (503)
    └── IntegrityError       stored bytes no longer match their SHA-256
"""


class StorageError(Exception):
    pass


class ObjectNotFound(StorageError):
    pass


class StorageUnavailable(StorageError):
    pass


class IntegrityError(StorageError):
    pass
