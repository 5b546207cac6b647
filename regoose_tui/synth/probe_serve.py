"""The probe worker's loop: requests one per line on stdin, in the sandbox.

Copied next to ``_regoose_probe.py`` as ``_regoose_probe_serve.py`` and run
by the start-ahead wrapper (synth/warm_start.py, ``--serve``) after the
harness imported the target (``preimport``), under the *target's*
interpreter: self-contained, the standard library only, any Python 3. It is
never imported by Regoose itself (synth/probe_worker.py is the host side).
"""

import contextlib
import json
import os
import random
import sys

from _regoose_probe import _answer, _preloaded_for

#: The largest request a worker reads (the candidates of one round travel inside it).
_REQUEST_CAP = 64 * 1024 * 1024


def serve():
    """Serve requests one after another, read line by line from stdin (the probe worker).

    Each line is ``{"request", "out", "reply"}``: the request is answered into
    the file ``out`` (a plain name in the cwd, the run's own folder), then
    ``reply`` is written on a line of its own to stdout, where the host waits
    for it. Every request must ask for the target as ``preimport`` imported it;
    when one does not, or the target did not import, ``{"worker": "last"}`` ends
    the answer and the worker exits: the host runs what is left elsewhere.
    """
    reply_fd = os.dup(1)  # the host's channel, whatever the target does to sys.stdout
    stdin = sys.stdin.buffer
    previous = None
    first = True
    while True:
        line = stdin.readline(_REQUEST_CAP + 1)
        if not line or len(line) > _REQUEST_CAP:
            return 0
        msg = json.loads(line.decode("utf-8"))
        req = msg["request"]
        out_name = str(msg["out"])
        if os.sep in out_name or out_name in ("", ".", ".."):
            return 2
        if previous is not None:
            with contextlib.suppress(OSError):
                os.unlink(previous)  # read by the host before it sent this request
        previous = out_name
        outcome = _preloaded_for(req)
        last = outcome is None
        if outcome is not None:
            if not first:
                # As a process of its own would start the round: from its random seed.
                random.seed(req.get("random_seed", 0))
            first = False
            last = _answer(req, out_name, outcome) != 0
        if last:
            with open(out_name, "a") as out:
                out.write(json.dumps({"worker": "last"}) + "\n")
        os.write(reply_fd, ("\n" + str(msg["reply"]) + "\n").encode("utf-8"))
        if last:
            return 0
