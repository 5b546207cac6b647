"""The program every container run execs: inputs in, the command, results out, reset.

It runs as ``python -I -S -c BOOTSTRAP <config> <n> <chunk 1> ... <chunk n> -- <command...>``
(or ``<config> - --`` with the inputs on stdin and no command) with the sandbox's Python, before the command, on every run, so its own start is
overhead on every run: it imports only builtin modules (``os``, ``marshal``,
``binascii``, ``stat``, ``signal``, ``time``), never ``json``, ``tarfile`` or
``shutil`` (together ~50 ms of imports on a loaded machine, a third of a warm
run's overhead).

- ``<config>`` is the hex of a ``marshal``-ed dict the host made (``work``,
  ``wipe``, ``keep``, ``prepare``); the inputs are the base64 of a
  ``marshal``-ed list of ``(path, mode, data-or-None)`` the host made. Both
  come from the host, never from the sandbox, so ``marshal`` is safe here
  (the host never unmarshals anything back).
- The results go back as a plain ustar/pax stream written by hand (folders,
  regular files, and links/specials as header-only entries that the host
  drops and names); the host parses it with ``tarfile`` under its caps.

See ``exec_io`` for the whole protocol and why it is one exec.
"""

from __future__ import annotations

BOOTSTRAP = r"""
import binascii, marshal, os, signal, stat, sys, time
config = marshal.loads(binascii.a2b_hex(sys.argv[1]))
# "-": the inputs come on stdin (too big for a command line), and there is no command.
n = 0 if sys.argv[2] == "-" else int(sys.argv[2])
command = sys.argv[4 + n:]
uid = os.getuid()
keep = set(config["keep"])

def mine(path):
    try:
        return os.lstat(path).st_uid == uid
    except OSError:
        return False

def remove_tree(path):
    if mine(path):
        try:
            os.chmod(path, 0o700)
        except OSError:
            pass
    try:
        names = os.listdir(path)
    except OSError:
        names = []
    for name in names:
        child = path + "/" + name
        try:
            if stat.S_ISDIR(os.lstat(child).st_mode):
                remove_tree(child)
            else:
                os.unlink(child)
        except OSError:
            pass
    try:
        os.rmdir(path)
    except OSError:
        pass

def wipe(folder):
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        path = entry.path
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            if any(k == path or k.startswith(path + "/") for k in keep):
                if path not in keep and is_dir:
                    wipe(path)
                continue
            if is_dir:
                remove_tree(path)
            else:
                os.unlink(path)
        except OSError:
            pass

def kill_others():
    me = os.getpid()
    for _ in range(200):
        alive = []
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) not in (1, me):
                try:
                    with open(f"/proc/{name}/stat") as handle:
                        state = handle.read().rsplit(")", 1)[1].split()[0]
                except (OSError, IndexError):
                    continue
                if state != "Z":
                    alive.append(name)
        if not alive:
            return True
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        time.sleep(0.005)
    return False

def counters():
    # The container's own cgroup counters (v2 files, else v1): OOM kills and pids refusals.
    found = {}
    for name, paths, key in (
        ("memory", ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"), "oom_kill"),
        ("pids", ("/sys/fs/cgroup/pids.events", "/sys/fs/cgroup/pids/pids.events"), "max"),
    ):
        for path in paths:
            try:
                with open(path) as handle:
                    lines = handle.read().splitlines()
            except OSError:
                continue
            for line in lines:
                field, _, value = line.partition(" ")
                if field == key and value.strip().isdigit():
                    found[name] = int(value)
            break
    return found

def block(name, mode, size, kind, link):
    head = (
        name[:100].ljust(100, b"\0")
        + b"%07o\0" % (mode & 0o7777) + b"0000000\0" + b"0000000\0"
        + b"%011o\0" % size + b"00000000000\0" + b"        " + kind
        + link[:100].ljust(100, b"\0") + b"ustar\x0000"
    ).ljust(512, b"\0")
    return head[:148] + b"%06o\0 " % sum(head) + head[156:]

def pax_record(key, value):
    body = b" " + key + b"=" + value + b"\n"
    size = len(body) + len(str(len(body)))
    if len(str(size)) + len(body) != size:
        size = len(body) + len(str(size))
    return str(size).encode() + body

def header(name, mode, size, kind, link=""):
    raw = os.fsencode(name)
    target = os.fsencode(link)
    if len(raw) < 100 and len(target) < 100:
        return block(raw, mode, size, kind, target)
    pax = pax_record(b"path", raw) + (pax_record(b"linkpath", target) if target else b"")
    pad = b"\0" * (-len(pax) % 512)
    return block(b"././@PaxHeader", 0o644, len(pax), b"x", b"") + pax + pad + block(
        raw[:99], mode, size, kind, target[:99]
    )

def send(out, path, name):
    try:
        info = os.lstat(path)
    except OSError:
        return
    kind = info.st_mode
    if stat.S_ISDIR(kind):
        out.write(header(name, info.st_mode, 0, b"5"))
        try:
            names = sorted(os.listdir(path))
        except OSError:
            names = []
        for child in names:
            send(out, path + "/" + child, name + "/" + child)
    elif stat.S_ISREG(kind):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return
        try:
            size = os.fstat(fd).st_size
            out.write(header(name, info.st_mode, size, b"0"))
            left = size
            while left:
                data = os.read(fd, min(left, 1 << 20))
                if not data:
                    break
                out.write(data)
                left -= len(data)
            out.write(b"\0" * (left + (-size % 512)))
        finally:
            os.close(fd)
    elif stat.S_ISLNK(kind):
        try:
            target = os.readlink(path)
        except OSError:
            target = ""
        out.write(header(name, info.st_mode, 0, b"2", target))
    else:
        out.write(header(name, info.st_mode, 0, b"6"))

if config["prepare"]:
    for root in config["wipe"]:
        wipe(root)
shared = config["prepare"]
def mode_of(mode):
    return (0o777 if mode & 0o100 else 0o666) if shared and mode & 0o200 else mode
modes = []
if sys.argv[2] == "-":
    listed = marshal.loads(sys.stdin.buffer.read())
elif n:
    listed = marshal.loads(binascii.a2b_base64("".join(sys.argv[3:3 + n])))
else:
    listed = []
if listed:
    for path, mode, data in listed:
        if data is None:
            os.makedirs(path, exist_ok=True)
            modes.append((path, mode_of(mode)))
        else:
            with open(path, "wb") as out:
                out.write(data)
            os.chmod(path, mode_of(mode))
for path, mode in reversed(modes):
    os.chmod(path, mode)
work = config["work"]
if not command:
    os.makedirs(work, exist_ok=True)
    try:
        os.chmod(work, 0o777 if shared else 0o700)
    except PermissionError:
        pass  # a volume of its own, the sandbox user's already
    sys.exit(0)
os.makedirs(work, mode=0o700, exist_ok=True)
before = counters()
pid = os.fork()
if pid == 0:
    try:
        os.chdir(work)
        os.execvp(command[0], command)
    except OSError as exc:
        print(f"cannot start {command[0]!r}: {exc.strerror}", file=sys.stderr, flush=True)
    os._exit(127)
signal.signal(signal.SIGINT, signal.SIG_IGN)
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
clean = kill_others()
after = counters()
hits = ",".join(k for k in ("memory", "pids") if after.get(k, 0) > before.get(k, 0)) or "-"
out = sys.stdout.buffer
out.write(b"\x00\x00REGOOSE-RESULTS\x00" + f"{code} {int(clean)} {hits}\n".encode())
if os.path.isdir(work):
    send(out, work, os.path.basename(work))
out.write(b"\0" * 1024)
out.flush()
for root in config["wipe"]:
    wipe(root)
sys.exit(0 if clean else 3)
"""
