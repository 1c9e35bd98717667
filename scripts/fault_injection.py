#!/usr/bin/env python3
"""Fault injection for `workbench poem train`: signals, kills, a full disk, two trainers, threads.

Usage:
    python3 scripts/fault_injection.py [WORKBENCH] [--kills N] [--seed S] [--only a,b] [--keep]

WORKBENCH defaults to .build/release/workbench (build it first with
`swift build -c release --product workbench`); this script builds nothing. It trains a tiny
model (--embedding-dim 8 --hidden-size 16) on a synthetic corpus it generates (no real poems),
in a temporary folder, and runs these scenarios:

    sigkill      SIGKILL at random times (most of them land in a save), N times, resuming after
                 each; the run must end bit for bit where an uninterrupted run ends, and no
                 temporary file or lock may be left behind
    sigint       Ctrl-C: exit 130, the partial epoch saved; the printed hint, run as printed,
                 finishes the same run in the same folder
    sigterm      the same with SIGTERM: exit 143
    full-disk    a 256 KiB tmpfs filled up during the run: the save fails naming a full disk,
                 no partial temporary is left, the last save resumes bit for bit (needs root and
                 mount; skipped, and said so, where the machine does not allow it)
    two-runs     a second trainer on the same folder is refused at once; the first goes on
    threads      --threads above the number of cores, repeated: every run ends in time with the
                 weights of a one-thread run (a hang is a failure, not a wait)
    stdout       standard output closed, on a full device (/dev/full), or a pipe closed by its
                 reader: a one-line error or a quiet exit, and the checkpoint saved

Each scenario prints PASS (nothing lost, nothing hung), FAIL (with the reason) or SKIP (why);
the exit status is 1 when any scenario failed. Every command runs under a timeout.
"""

import argparse
import json
import os
import queue
import random
import re
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

SHAPE = ["--embedding-dim", "8", "--hidden-size", "16", "--batch-size", "8"]
EPOCHS = 40            # the reference run: 40 poems / 8 = 5 batches per epoch, 200 steps
TIMEOUT = 120          # seconds for any single command
SCENARIOS = ["sigkill", "sigint", "sigterm", "full-disk", "two-runs", "threads", "stdout"]


class Failure(Exception):
    """A scenario found something lost, hung or wrong."""


class Skip(Exception):
    """A scenario cannot run on this machine."""


# MARK: - Files

def synthetic_corpus(path, count=40, seed=1):
    """Quatrains of five-character lines built from a fixed motif over a few characters."""
    rng = random.Random(seed)
    chars = "山水月风花雪云天日江春秋夜人归来"
    lines = []
    for _ in range(count):
        poem = ""
        for line in range(4):
            a = rng.randrange(len(chars))
            poem += "".join(chars[(a + k) % len(chars)] for k in range(5)) + ("，" if line % 2 == 0 else "。")
        lines.append(poem)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def read_safetensors(path):
    """(metadata, {name: raw bytes}) of a safetensors file; raises Failure when it is damaged."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        (n,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8:8 + n])
        meta = header.pop("__metadata__", {})
        body = data[8 + n:]
        tensors = {}
        for name, entry in header.items():
            begin, end = entry["data_offsets"]
            if end > len(body):
                raise ValueError(f"tensor {name} lies beyond the data")
            tensors[name] = body[begin:end]
        return meta, tensors
    except Exception as e:  # noqa: BLE001 — any damage is a failure of the scenario
        raise Failure(f"{path} is damaged: {e}")


def fnv1a(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def weights(folder):
    meta, tensors = read_safetensors(os.path.join(folder, "poem.safetensors"))
    return tensors


def leftovers(folder):
    """Temporary files and lock files in `folder`."""
    if not os.path.isdir(folder):
        return []
    return sorted(n for n in os.listdir(folder) if ".tmp-" in n or n.endswith(".lock"))


def pair_state(folder):
    """('none' | 'pair' | 'between' | 'unpaired', step): no state yet; the weights saved with the
    state; a save killed between its two renames (the weights file is the one before); a state
    that does not name its weights. Raises Failure for a damaged file or a foreign weights file."""
    state = os.path.join(folder, "poem.state.safetensors")
    if not os.path.exists(state):
        return "none", None
    meta, _ = read_safetensors(state)
    if "weights.checksum" not in meta:
        return "unpaired", int(meta["step"])   # a state that does not name its weights (older workbench)
    weights_path = os.path.join(folder, "poem.safetensors")
    on_disk = None
    if os.path.exists(weights_path):
        read_safetensors(weights_path)
        with open(weights_path, "rb") as f:
            on_disk = "%016x" % fnv1a(f.read())
    if on_disk == meta.get("weights.checksum"):
        return "pair", int(meta["step"])
    if on_disk is None or on_disk == meta.get("weights.previous_checksum"):
        return "between", int(meta["step"])
    raise Failure(f"{folder}: the weights file belongs to neither the state nor the save before it")


# MARK: - Processes

class Run:
    """A workbench process whose standard error is read line by line."""

    def __init__(self, exe, args, cwd, stdout=subprocess.DEVNULL):
        self.args = args
        self.proc = subprocess.Popen([exe] + args, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE,
                                     start_new_session=True)
        self.lines = queue.Queue()
        self.err = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace")
            self.err.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, pattern, timeout=TIMEOUT):
        """Waits for a line of standard error matching `pattern`; Failure on timeout or exit."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                self.kill()
                raise Failure(f"hung: no line matching {pattern!r} within {timeout} s: {' '.join(self.args)}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise Failure(f"ended before {pattern!r}: {''.join(self.err)[-400:]}")
            if re.search(pattern, line):
                return line

    def finish(self, timeout=TIMEOUT):
        """The exit status (negative: killed by that signal); Failure when it does not end in time."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Failure(f"hung: still running after {timeout} s: {' '.join(self.args)}")
        self.reader.join(timeout=5)
        return rc

    def signal(self, number):
        try:
            self.proc.send_signal(number)
        except ProcessLookupError:
            pass

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    @property
    def stderr(self):
        return "".join(self.err)


def run(exe, args, cwd, timeout=TIMEOUT):
    """Runs to the end: (status, stdout, stderr); Failure when it hangs."""
    try:
        p = subprocess.run([exe] + args, cwd=cwd, capture_output=True, timeout=timeout, start_new_session=True)
    except subprocess.TimeoutExpired:
        raise Failure(f"hung: still running after {timeout} s: {' '.join(args)}")
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def train(exe, cwd, out, *extra, epochs=EPOCHS, threads=1):
    return ["poem", "train", "--corpus", "corpus.txt", "--epochs", str(epochs), "--threads", str(threads),
            "--out", out] + SHAPE + list(extra)


def expect_same(folder, reference, what):
    if weights(folder) != reference:
        raise Failure(f"{what}: the final weights differ from an uninterrupted run's")


def expect_clean(folder):
    left = leftovers(folder)
    if left:
        raise Failure(f"left behind in {folder}: {', '.join(left)}")


def hint_of(text):
    """The resume command printed after an interruption, as words."""
    m = re.search(r"continue the run with: (.*)", text)
    if not m:
        raise Failure(f"no resume hint in: {text[-400:]}")
    words = shlex.split(m.group(1))
    if words[:3] != ["workbench", "poem", "train"]:
        raise Failure(f"unexpected hint: {m.group(1)}")
    return words[1:]


# MARK: - Scenarios

def scenario_sigkill(exe, work, reference, args):
    rng = random.Random(args.seed)
    folder = "killed"
    steps = EPOCHS * 5
    # How long an uninterrupted run and a run that does nothing take set the range of kill times.
    t0 = time.time()
    status, _, err = run(exe, train(exe, work, "timing", "--quiet"), work)
    duration = time.time() - t0
    t0 = time.time()
    run(exe, train(exe, work, "timing", "--quiet", "--steps", "0"), work)
    startup = time.time() - t0
    if status != 0:
        raise Failure(f"the timing run failed: {err}")
    kills = {"between": 0, "none": 0, "pair": 0, "unpaired": 0}
    finished_first = 0
    while sum(kills.values()) < args.kills:
        kind, step = pair_state(os.path.join(work, folder))
        if kind == "none":
            command, left = train(exe, work, folder, "--quiet"), steps
        else:
            command, left = ["poem", "train", "--resume", os.path.join(folder, "poem.safetensors"), "--quiet"], steps - step
        r = Run(exe, command, work)
        time.sleep(startup * 0.5 + rng.uniform(0, (duration - startup) * left / steps + startup))
        if r.proc.poll() is not None:
            # It ended before the kill: it must have ended right; start over to keep killing.
            rc = r.finish()
            if rc != 0:
                raise Failure(f"run ended with status {rc}: {r.stderr[-400:]}")
            expect_same(os.path.join(work, folder), reference, "a run that ended before its kill")
            shutil.rmtree(os.path.join(work, folder))
            finished_first += 1
            continue
        r.proc.send_signal(signal.SIGKILL)
        r.finish()
        kind, _ = pair_state(os.path.join(work, folder))
        kills[kind] += 1
    if pair_state(os.path.join(work, folder))[0] == "none":
        status, _, err = run(exe, train(exe, work, folder, "--quiet"), work)
    else:
        status, _, err = run(exe, ["poem", "train", "--resume", os.path.join(folder, "poem.safetensors"), "--quiet"], work)
    if status != 0:
        raise Failure(f"the final resume failed ({status}): {err}")
    expect_same(os.path.join(work, folder), reference, "after the kills")
    expect_clean(os.path.join(work, folder))
    return (f"{args.kills} kills: {kills['between']} between the two renames of a save, {kills['none']} before the first save, "
            f"{kills['pair']} elsewhere ({finished_first} run(s) ended before their kill); resumed bit for bit")


def interrupt(exe, work, reference, number, expected_status, name):
    folder = name
    r = Run(exe, train(exe, work, folder), work)
    r.wait_for(r"^epoch 2/")
    r.signal(number)
    status = r.finish()
    if status != expected_status:
        raise Failure(f"exit status {status}, expected {expected_status}: {r.stderr[-400:]}")
    kind, step = pair_state(os.path.join(work, folder))
    if kind not in ("pair", "unpaired") or not step:
        raise Failure(f"after {name}: the folder holds {kind} (step {step})")
    words = hint_of(r.stderr)
    status, out, err = run(exe, words, work)
    if status != 0:
        raise Failure(f"the hint {' '.join(words)} failed ({status}): {err}")
    expect_same(os.path.join(work, folder), reference, f"after {name} at step {step} and the hint")
    expect_clean(os.path.join(work, folder))
    return f"exit {expected_status} at step {step}, the hint `workbench {' '.join(words)}` finished the same run"


def scenario_full_disk(exe, work, reference, args):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        raise Skip("needs root and mount(8) for a small tmpfs")
    mount = os.path.join(work, "small-disk")
    os.makedirs(mount)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount], capture_output=True, text=True)
    if p.returncode != 0:
        raise Skip(f"this machine does not allow a tmpfs mount ({p.stderr.strip() or p.returncode})")
    try:
        folder = os.path.join("small-disk", "run")
        r = Run(exe, train(exe, work, folder, epochs=100_000), work)
        r.wait_for(r"^epoch 1/")
        filler = os.path.join(mount, "filler")
        try:
            with open(filler, "wb") as f:
                while True:
                    f.write(b"\0" * 4096)
                    f.flush()
        except OSError:
            pass   # full
        status = r.finish()
        if status != 1 or "the disk is full" not in r.stderr:
            raise Failure(f"expected exit 1 naming a full disk, got {status}: {r.stderr[-400:]}")
        expect_clean(os.path.join(work, folder))
        kind, step = pair_state(os.path.join(work, folder))
        if kind == "none":
            raise Failure("nothing saved before the disk filled up")
        os.remove(filler)
        status, _, err = run(exe, ["poem", "train", "--resume", os.path.join(folder, "poem.safetensors"), "--epochs", str(EPOCHS),
                                   "--quiet"], work)
        if status != 0:
            raise Failure(f"the resume after freeing space failed ({status}): {err}")
        expect_same(os.path.join(work, folder), reference, "after the full disk")
        expect_clean(os.path.join(work, folder))
        message = next(l for l in r.err if "disk is full" in l).strip()
        return f"exit 1 with `{message}`; the save of step {step} resumed bit for bit"
    finally:
        subprocess.run(["umount", "-l", mount], capture_output=True)


def scenario_two_runs(exe, work, reference, args):
    folder = "shared"
    first = Run(exe, train(exe, work, folder, epochs=100_000), work)
    first.wait_for(r"^epoch 1/")
    status, out, err = run(exe, train(exe, work, folder), work, timeout=30)
    if status != 1 or f"process {first.proc.pid}" not in err or len(err.strip().splitlines()) != 1:
        first.kill()
        raise Failure(f"the second trainer was not refused in one line naming process {first.proc.pid}: {status} {err}")
    status, out, err = run(exe, ["poem", "train", "--resume", os.path.join(folder, "poem.safetensors")], work, timeout=30)
    if status != 1 or "in use" not in err:
        first.kill()
        raise Failure(f"a resume of the running run was not refused: {status} {err}")
    if first.proc.poll() is not None:
        raise Failure(f"the first trainer stopped: {first.stderr[-400:]}")
    first.signal(signal.SIGINT)
    if first.finish() != 130:
        raise Failure(f"the first trainer did not stop cleanly: {first.stderr[-400:]}")
    words = hint_of(first.stderr)
    status, _, err = run(exe, words + ["--epochs", str(EPOCHS)], work)
    if status != 0:
        raise Failure(f"resuming the first trainer failed ({status}): {err}")
    expect_same(os.path.join(work, folder), reference, "the first trainer")
    expect_clean(os.path.join(work, folder))
    return "the second trainer (new or --resume) was refused naming the first's pid; the first ran on unharmed"


def scenario_threads(exe, work, reference, args):
    cores = os.cpu_count() or 1
    counts = [cores + 1, cores + 2, 2 * cores + 1]
    runs = 0
    for repeat in range(args.thread_repeats):
        for t in counts:
            folder = f"threads-{t}-{repeat}"
            status, _, err = run(exe, train(exe, work, folder, "--quiet", epochs=8, threads=t), work, timeout=args.thread_timeout)
            if status != 0:
                raise Failure(f"--threads {t} failed ({status}): {err}")
            if weights(os.path.join(work, folder)) != weights(os.path.join(work, "threads-reference")):
                raise Failure(f"--threads {t}: the weights differ from a one-thread run's")
            status, _, err = run(exe, ["poem", "eval", "--checkpoint", os.path.join(folder, "poem.safetensors"), "--corpus",
                                       "corpus.txt", "--threads", str(t)], work, timeout=args.thread_timeout)
            if status != 0:
                raise Failure(f"poem eval --threads {t} failed ({status}): {err}")
            runs += 2
    return f"{runs} runs of train and eval with --threads {', '.join(map(str, counts))} on {cores} core(s), each in time, same weights"


def scenario_stdout(exe, work, reference, args):
    results = []
    for label, folder, redirect, expected in [("closed", "stdout-closed", ">&-", 1),
                                              ("on a full device", "stdout-full", ">/dev/full", 1),
                                              ("a pipe closed by its reader", "stdout-pipe", "| true", 141)]:
        command = " ".join(shlex.quote(w) for w in [exe] + train(exe, work, folder, "--quiet", epochs=2))
        # `true` exits at once: by the time the report is printed, after training, the pipe is closed.
        script = f"( {command} 2>err.txt; echo $? >status.txt ) | true" if redirect.startswith("|") else \
            f"{command} {redirect} 2>err.txt; echo $? >status.txt"
        try:
            subprocess.run(["/bin/sh", "-c", script], cwd=work, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise Failure(f"hung with standard output {label}")
        with open(os.path.join(work, "status.txt")) as f:
            status = int(f.read().strip())
        with open(os.path.join(work, "err.txt")) as f:
            err = f.read()
        if status != expected:
            raise Failure(f"standard output {label}: exit {status}, expected {expected}: {err}")
        if expected == 1 and (not err.startswith("error: cannot write to standard output") or err.count("\n") != 1):
            raise Failure(f"standard output {label}: expected a one-line error, got: {err!r}")
        if expected == 141 and err:
            raise Failure(f"standard output {label}: expected a quiet exit, got: {err!r}")
        kind, step = pair_state(os.path.join(work, folder))
        if kind not in ("pair", "unpaired") or step != 10:
            raise Failure(f"standard output {label}: the checkpoint was not saved ({kind}, step {step})")
        results.append(f"{label}: exit {status}")
    return "; ".join(results) + "; the checkpoint saved every time"


# MARK: - Main

def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workbench", nargs="?", default=os.path.join(root, ".build", "release", "workbench"))
    parser.add_argument("--kills", type=int, default=25, help="SIGKILLs in the sigkill scenario (default 25)")
    parser.add_argument("--thread-repeats", type=int, default=10, help="repetitions of the threads scenario (default 10)")
    parser.add_argument("--thread-timeout", type=int, default=20, help="seconds before a threads run counts as hung (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill times")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    exe = os.path.abspath(args.workbench)
    if not os.access(exe, os.X_OK):
        print(f"error: {exe} is not an executable; build it with `swift build -c release --product workbench` "
              "or pass its path", file=sys.stderr)
        return 2
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SCENARIOS]
    if unknown:
        print(f"error: unknown scenario(s) {', '.join(unknown)}; choose among {', '.join(SCENARIOS)}", file=sys.stderr)
        return 2

    work = tempfile.mkdtemp(prefix="workbench-faults-")
    failures = 0
    try:
        synthetic_corpus(os.path.join(work, "corpus.txt"))
        status, _, err = run(exe, train(exe, work, "reference", "--quiet"), work)
        if status != 0:
            print(f"error: the reference run failed ({status}): {err}", file=sys.stderr)
            return 1
        reference = weights(os.path.join(work, "reference"))
        status, _, err = run(exe, train(exe, work, "threads-reference", "--quiet", epochs=8), work)
        if status != 0:
            print(f"error: the one-thread reference run failed ({status}): {err}", file=sys.stderr)
            return 1
        print(f"workbench {exe}; folder {work}; {os.cpu_count()} core(s); reference run: {EPOCHS} epochs, 200 steps")
        table = {
            "sigkill": scenario_sigkill,
            "sigint": lambda e, w, r, a: interrupt(e, w, r, signal.SIGINT, 130, "sigint"),
            "sigterm": lambda e, w, r, a: interrupt(e, w, r, signal.SIGTERM, 143, "sigterm"),
            "full-disk": scenario_full_disk,
            "two-runs": scenario_two_runs,
            "threads": scenario_threads,
            "stdout": scenario_stdout,
        }
        for name in chosen:
            t0 = time.time()
            try:
                detail = table[name](exe, work, reference, args)
                print(f"PASS  {name:<10} nothing lost, nothing hung — {detail} ({time.time() - t0:.1f} s)")
            except Skip as s:
                print(f"SKIP  {name:<10} {s}")
            except Failure as f:
                failures += 1
                print(f"FAIL  {name:<10} {f} ({time.time() - t0:.1f} s)")
            sys.stdout.flush()
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{failures} scenario(s) failed" if failures else "all scenarios passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
