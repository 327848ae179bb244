"""A slot's copies of compiled artifacts, kept in its own tmpfs so repeated runs copy once.

Runs in the box process (stdlib only, Python 3.8). The worker's artifact store is never
mounted into a box: a bind's root, which /proc/self/mountinfo prints, is its host path. The
box reads the store through a descriptor opened before pivot_root and copies each program it
runs into the slot's tmpfs (box_fs.PROGS_MOUNT), which /prog and /aux are bound from. Keys are
content hashes, so a copy never goes stale; the least recently used copies beyond the budget
are removed, never one that is bound.
"""

import errno
import os
import stat

COPY_CHUNK = 1 << 20
PART = ".part"  # suffix of a copy being made; renamed when complete


def check_key(key):
    """An artifact key names one entry of the store: no path separators, no dot files."""
    if not isinstance(key, str) or not key or "/" in key or key.startswith(".") or len(key) > 255:
        raise ValueError("bad artifact key %r" % (key,))


class ProgCache:
    """Copies from `src_fd` (the store, may be O_PATH) into `dst_fd` (the slot's tmpfs)."""

    def __init__(self, src_fd, dst_fd, budget_bytes):
        self.src_fd = src_fd
        self.dst_fd = dst_fd
        self.budget = budget_bytes
        self.sizes = {}  # key -> bytes of its copy, least recently used first
        self.copies = 0  # how many copies were made (a hit makes none)
        self.copied_bytes = 0

    def get(self, key, pinned=()):
        """The name of `key`'s copy in the destination, copied on first use.

        `pinned` keys (bound elsewhere right now) are never evicted to make room.
        """
        check_key(key)
        if key in self.sizes:
            self.sizes[key] = self.sizes.pop(key)  # now the most recently used
            return key
        part = key + PART
        remove_tree(self.dst_fd, part)  # a copy an earlier failure left half made
        try:
            size = copy_tree(self.src_fd, key, self.dst_fd, part)
            os.rename(part, key, src_dir_fd=self.dst_fd, dst_dir_fd=self.dst_fd)
        except BaseException:
            remove_tree(self.dst_fd, part)
            raise
        self.sizes[key] = size
        self.copies += 1
        self.copied_bytes += size
        self.evict(set(pinned) | {key})
        return key

    def evict(self, keep):
        """Remove least recently used copies until the total fits the budget (`keep` stays)."""
        total = sum(self.sizes.values())
        for key in list(self.sizes):
            if total <= self.budget:
                break
            if key in keep:
                continue
            remove_tree(self.dst_fd, key)
            total -= self.sizes.pop(key)

    @property
    def total(self):
        return sum(self.sizes.values())


def copy_tree(src_dir_fd, name, dst_dir_fd, dst_name):
    """Copy directory `name` to `dst_name`: regular files, directories, symlinks; return bytes.

    Owners are the copier's, modes keep only the permission bits a program needs (no set-id,
    no group or other write): what a program sees at /prog is exactly what was built.
    """
    src = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=src_dir_fd)
    try:
        mode = os.fstat(src).st_mode & 0o755
        os.mkdir(dst_name, 0o700, dir_fd=dst_dir_fd)
        dst = os.open(
            dst_name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dst_dir_fd
        )
        try:
            size = 0
            with os.scandir(src) as entries:
                for entry in entries:
                    if entry.is_symlink():
                        os.symlink(os.readlink(entry.name, dir_fd=src), entry.name, dir_fd=dst)
                    elif entry.is_dir(follow_symlinks=False):
                        size += copy_tree(src, entry.name, dst, entry.name)
                    elif entry.is_file(follow_symlinks=False):
                        size += copy_file(src, entry.name, dst)
            os.fchmod(dst, mode)
            return size + 4096
        finally:
            os.close(dst)
    finally:
        os.close(src)


def copy_file(src_dir_fd, name, dst_dir_fd):
    src = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=src_dir_fd)
    try:
        st = os.fstat(src)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", name)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        dst = os.open(name, flags, 0o600, dir_fd=dst_dir_fd)
        try:
            done = 0
            while done < st.st_size:
                n = os.sendfile(dst, src, done, min(COPY_CHUNK, st.st_size - done))
                if n == 0:
                    break  # the file shrank meanwhile: the store is written by rename only
                done += n
            os.fchmod(dst, st.st_mode & 0o755)
            return done
        finally:
            os.close(dst)
    finally:
        os.close(src)


def remove_tree(dir_fd, name):
    """Remove `name` under `dir_fd` and all it holds; nothing there is not an error."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    except FileNotFoundError:
        return
    except OSError as e:
        if e.errno not in (errno.ENOTDIR, errno.ELOOP):
            raise
        os.unlink(name, dir_fd=dir_fd)
        return
    try:
        with os.scandir(fd) as entries:
            children = [(e.name, e.is_dir(follow_symlinks=False)) for e in entries]
        for child, is_dir in children:
            if is_dir:
                remove_tree(fd, child)
            else:
                os.unlink(child, dir_fd=fd)
    finally:
        os.close(fd)
    os.rmdir(name, dir_fd=dir_fd)
