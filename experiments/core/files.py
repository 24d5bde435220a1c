"""Reading a file that someone else may have put there: only a regular file, opened without following a
link and without blocking (a FIFO or a device in its place is refused at once, never read), and only up
to a size bound (``/dev/zero`` or a huge file cannot exhaust memory). Results folders and spec files are
read through it."""

import os
import stat
from pathlib import Path

MiB = 1 << 20
RECORD_BYTES = 16 * MiB  # a run record (its traceback included)
MANIFEST_BYTES = 64 * MiB  # a results folder's manifest or bookkeeping file
SPEC_BYTES = 4 * MiB  # a spec or targets file (TOML)


class NotARegularFile(OSError):
    """A path that is a link, a FIFO, a device, a folder, or larger than its bound; the message names it."""


def open_regular(path, limit: int | None = None):
    """``path`` opened for reading in binary, if it is a regular file (not a link) of at most ``limit`` bytes;
    else ``NotARegularFile`` (``FileNotFoundError`` when absent). Never blocks."""
    path = Path(path)
    flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if isinstance(e, FileNotFoundError):
            raise
        if path.is_symlink():
            raise NotARegularFile(f"{path} is a symbolic link; refusing to read through it") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a FIFO, a device or a socket)"
            raise NotARegularFile(f"{path} is {what}; refusing to read it")
        if limit is not None and st.st_size > limit:
            raise NotARegularFile(f"{path} has {st.st_size:,} bytes, more than the {limit:,} such a file may have")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (see ``open_regular``); a file that grows past
    the bound while it is read is refused too."""
    with open_regular(path, limit) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise NotARegularFile(f"{path} has more than the {limit:,} bytes such a file may have")
    return data


def read_text(path, limit: int) -> str:
    """A regular file's text (UTF-8), bounded (``read_regular``)."""
    return read_regular(path, limit).decode("utf-8")
