"""The container backends' defaults, importable without the backends themselves.

The registry names them in its configuration; the backends (and tarfile, the
SDK's helpers) load only when a container runtime is asked for.
"""

from __future__ import annotations

#: The image every container run uses unless [runtime] image names another.
DEFAULT_IMAGE = "regoose-sandbox:latest"
#: Default number of warm containers per engine ([runtime] pool_size).
DEFAULT_POOL_SIZE = 2
