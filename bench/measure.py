"""Run a command and measure it: wall time and peak memory of its whole process tree (psutil sampling).

Peak RSS is the largest *sum* of the resident set sizes of the process and all its descendants seen at one
sample (resource.getrusage(RUSAGE_CHILDREN) would give only the largest single child). Pages shared between
processes (the forkserver's imports in the extraction workers) count once per process in RSS, so the sum
overstates the real footprint; PSS (proportional set size, shared pages split between their users) is
sampled too, as the fairer figure. Reading PSS costs ~5-10 ms per process here (the kernel walks the page
tables), so it is sampled once a second and RSS ten times a second, to keep the sampler's own CPU use small
on a 2-core machine.
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import psutil


@dataclass
class Measured:
    cmd: list[str]
    returncode: int
    wall: float
    peak_rss: int  # bytes, sum over the tree at one sample
    peak_pss: int  # bytes, sum over the tree at one sample
    peak_procs: int
    stdout: str
    stderr: str
    samples: int = 0
    per_proc_peak: dict[str, int] = field(default_factory=dict)  # "name" -> largest RSS seen
    cpu: float = 0.0  # user + system seconds of the whole tree (0 if not measurable)
    cpu_root: float = 0.0  # of the top process alone (last sample before it exited)


_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux), so their CPU time reaches RUSAGE_CHILDREN when reaped.

    multiprocessing's forkserver (and the extraction workers it reaps) outlives the CLI's last wait, and
    would otherwise be reparented to init: its CPU time would be lost to the measurement.
    """
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


_SUBREAPER = become_subreaper()


def _reap_orphans(timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _sample(procs: list[psutil.Process], with_pss: bool) -> tuple[int, int, dict[str, int]]:
    rss = pss = 0
    named: dict[str, int] = {}
    for p in procs:
        try:
            if with_pss:
                mi = p.memory_full_info()
                pss += mi.pss
            else:
                mi = p.memory_info()
            rss += mi.rss
            key = f"{p.pid}:{' '.join(p.cmdline()[1:3])[:60]}"
            named[key] = max(named.get(key, 0), mi.rss)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return rss, pss, named


def run_measured(
    cmd: list[str],
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    timeout: float = 3600,
    interval: float = 0.1,
    pss_every: int = 10,
) -> Measured:
    """Run cmd to completion; sample the process tree every `interval` s (PSS every `pss_every`-th sample)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_root = 0.0
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err)
        root = psutil.Process(proc.pid)
        peak_rss = peak_pss = peak_procs = samples = 0
        per_proc: dict[str, int] = {}
        while True:
            procs = _tree(root)
            try:
                ct = root.cpu_times()
                cpu_root = ct.user + ct.system
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                pass
            rss, pss, named = _sample(procs, with_pss=samples % pss_every == 0)
            samples += 1
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            peak_procs = max(peak_procs, len(procs))
            for k, v in named.items():
                per_proc[k] = max(per_proc.get(k, 0), v)
            try:
                proc.wait(interval)
                break
            except subprocess.TimeoutExpired:
                if time.perf_counter() - started > timeout:
                    proc.kill()
                    proc.wait()
                    break
        wall = time.perf_counter() - started
        if _SUBREAPER:
            _reap_orphans()
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime) if _SUBREAPER else 0.0
        out.seek(0)
        err.seek(0)
        return Measured(
            cmd,
            proc.returncode,
            wall,
            peak_rss,
            peak_pss,
            peak_procs,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            samples,
            per_proc,
            cpu,
            cpu_root,
        )


def dir_size(*paths: str) -> int:
    return sum(os.path.getsize(p) for p in paths if os.path.exists(p))
