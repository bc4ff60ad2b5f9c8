"""Process settings for long runs: keep NumPy's large temporaries on the heap.

A simulated year of a large county allocates and frees hundreds of NumPy
arrays of 1-20 MB (one float per person is 8 MB at a million persons).
glibc's malloc serves blocks that large from fresh ``mmap`` pages, and trims
the heap whenever the free space at its top passes a threshold, so the same
memory is handed back to the kernel and paged in (zero-filled) again, array
after array: about 300,000 page faults and 3 s of system time in the
1,000,000-person x 30-year benchmark (docs/performance.md).

:func:`keep_heap` raises glibc's mmap threshold to its maximum (32 MiB) and
its trim threshold to 1 GiB, so freed blocks are reused. It changes no
result, only where memory comes from; the peak resident size grows by a few
percent. The tool's own processes call it (the ``rural-abm`` command, each
batch run in its worker, the benchmarks); a program that drives
:class:`rural_abm.model.RuralModel` itself may call it once at start. It
does nothing where the C library has no ``mallopt`` (macOS, musl).
"""

from __future__ import annotations

import ctypes
from functools import cache

#: glibc's mallopt parameter numbers (malloc.h) and the values set.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD_BYTES = 32 * 2**20  # the largest glibc accepts on 64-bit systems
TRIM_THRESHOLD_BYTES = 2**30


@cache
def keep_heap() -> bool:
    """Set the two malloc thresholds for this process, once; True where glibc took both, False where it has no mallopt.

    Later calls return the first answer at no cost (batch workers call it before every run).
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library already loaded into this process
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
