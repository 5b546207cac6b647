"""Container runtimes: Docker and Podman through the docker SDK, with a warm pool.

    endpoints.py  where an engine listens; a cheap cached socket ping (no SDK)
    client.py     the SDK client of one endpoint (imported lazily)
    image.py      the offline FROM-scratch sandbox image: build, status, remove
    layout.py     what one run sees: read-only mounts, scratch volumes, copies
    transfer.py   inputs in and the work folder out as tar, trusting nothing
    lifecycle.py  create (hardened), reset, kill, remove one container
    labels.py     owner labels; removal of what a dead process left
    pool.py       ContainerPool: warm containers reused with exec
    stream.py     output lines from the reading thread onto the event loop
    runtime.py    DockerRuntime, PodmanRuntime

Importing this package imports neither the SDK nor any engine call.
"""
