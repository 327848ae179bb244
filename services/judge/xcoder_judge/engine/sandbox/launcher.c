/* xcoder-launch: become a judged program, step by step, then execve it.
 *
 * The forker (forker.py) starts each exec-kind process of a run by posix_spawn of this small
 * static program instead of fork()ing its Python interpreter: a vfork and the exec of a tiny
 * binary cost far less than copying the interpreter's page tables and the copy-on-write faults
 * of running confine.py's steps in Python. The steps are confine.become's, in the same order
 * (see there for why the order matters), as isolate's box_inside() does them. The forker has
 * computed everything; it arrives as options, and the program's environment is ours:
 *
 *   -C FD           a slot directory: join its child group "run" (cgroup v2, per-run mode)
 *   -c FD           a cgroup.procs to join (write "0")                               repeatable
 *   -r RES:SOFT:HARD an rlimit (resource number; -1 is unlimited)                    repeatable
 *   -d FROM:TO      dup2(FROM, TO), in the order given                              repeatable
 *   -k FD           a descriptor that stays open; all others are closed             repeatable
 *   -h PATH         a mount point taken away in a mount namespace of our own        repeatable
 *   -w DIR          the working directory
 *   -u UID          the uid and gid to become (when started as root)
 *   -s FD           a memfd holding the seccomp BPF program seccomp.py built (read first)
 *   -e FD           the set-up error pipe: why set-up failed (then exit status 127)
 *   -- PATH ARGV... the program
 *
 * The forker gave us our capabilities through its inheritable set (its bounding set is empty,
 * so nothing else survives our exec): they are all dropped with the uid, inheritable included.
 * Build: cc -O2 -static -Wall -Werror (launcher_build.py). Descriptors above MAX_FD never exist:
 * the box's RLIMIT_NOFILE hard limit is 4096 (launch_state.py).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SETUP_FAILED 127 /* = forker.SETUP_FAILED */
#define MAX_ITEMS 128    /* of each repeatable option */
#define MAX_FD 4096
#define MAX_BPF (4096 * sizeof(struct sock_filter)) /* BPF_MAXINSNS */

struct plan {
    int cg_dir, cg_procs[MAX_ITEMS], n_cg;
    struct { int res; rlim_t soft, hard; } rl[MAX_ITEMS];
    int n_rl;
    struct { int from, to; } dup[MAX_ITEMS];
    int n_dup;
    int keep[MAX_ITEMS], n_keep;
    const char *hide[MAX_ITEMS];
    int n_hide;
    const char *dir;
    long uid;
    int bpf_fd, err_fd;
    char **argv; /* argv[0] is the path to execute */
};

static int err_fd = -1;

/* Report why set-up failed, as confine.py's child does ("OSError: [Errno N] ..."), and exit. */
static void die(const char *what, const char *arg)
{
    char msg[4000];
    int e = errno;
    int n = snprintf(msg, sizeof msg, "OSError: [Errno %d] %s: %s%s%s", e, strerror(e), what,
                     arg ? " " : "", arg ? arg : "");
    if (err_fd >= 0 && n > 0)
        (void)!write(err_fd, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
    _exit(SETUP_FAILED);
}

static void bad_usage(const char *opt)
{
    errno = EINVAL;
    die("xcoder-launch: bad option", opt);
}

static long number(const char **s, const char *opt)
{
    char *end;
    errno = 0;
    long v = strtol(*s, &end, 10);
    if (errno || end == *s)
        bad_usage(opt);
    *s = end;
    return v;
}

static long whole_number(const char *s, const char *opt)
{
    long v = number(&s, opt);
    if (*s)
        bad_usage(opt);
    return v;
}

static void pair(const char *s, long *a, long *b, const char *opt)
{
    *a = number(&s, opt);
    if (*s++ != ':')
        bad_usage(opt);
    *b = whole_number(s, opt);
}

static void parse(int argc, char **argv, struct plan *p)
{
    memset(p, 0, sizeof *p);
    p->cg_dir = p->bpf_fd = p->err_fd = -1;
    p->uid = -1;
    int i = 1;
    for (; i + 1 < argc && strcmp(argv[i], "--"); i += 2) {
        const char *opt = argv[i], *val = argv[i + 1];
        long a, b;
        if (opt[0] != '-' || !opt[1] || opt[2])
            bad_usage(opt);
        switch (opt[1]) {
        case 'C': p->cg_dir = whole_number(val, opt); break;
        case 'c':
            if (p->n_cg == MAX_ITEMS) bad_usage(opt);
            p->cg_procs[p->n_cg++] = whole_number(val, opt);
            break;
        case 'r':
            if (p->n_rl == MAX_ITEMS) bad_usage(opt);
            p->rl[p->n_rl].res = number(&val, opt);
            if (*val++ != ':') bad_usage(opt);
            pair(val, &a, &b, opt);
            p->rl[p->n_rl].soft = a < 0 ? RLIM_INFINITY : (rlim_t)a;
            p->rl[p->n_rl++].hard = b < 0 ? RLIM_INFINITY : (rlim_t)b;
            break;
        case 'd':
            if (p->n_dup == MAX_ITEMS) bad_usage(opt);
            pair(val, &a, &b, opt);
            p->dup[p->n_dup].from = a;
            p->dup[p->n_dup++].to = b;
            break;
        case 'k':
            if (p->n_keep == MAX_ITEMS) bad_usage(opt);
            p->keep[p->n_keep++] = whole_number(val, opt);
            break;
        case 'h':
            if (p->n_hide == MAX_ITEMS) bad_usage(opt);
            p->hide[p->n_hide++] = val;
            break;
        case 'w': p->dir = val; break;
        case 'u': p->uid = whole_number(val, opt); break;
        case 's': p->bpf_fd = whole_number(val, opt); break;
        case 'e': p->err_fd = whole_number(val, opt); break;
        default: bad_usage(opt);
        }
    }
    if (i >= argc - 1 || strcmp(argv[i], "--") || !p->dir)
        bad_usage("--");
    p->argv = argv + i + 1;
}

/* 1. The run's cgroup first: its memory and pids limits then cover all that follows. */
static void join_cgroup(const struct plan *p)
{
    if (p->cg_dir >= 0) {
        int fd = openat(p->cg_dir, "run/cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1)
            die("join cgroup", "run");
        close(fd);
    }
    for (int i = 0; i < p->n_cg; i++)
        if (write(p->cg_procs[i], "0", 1) != 1)
            die("join cgroup", NULL);
}

/* 2. Rlimits the program cannot raise again (forker.plan computed them: box_os.rlimit_pairs). */
static void set_rlimits(const struct plan *p)
{
    for (int i = 0; i < p->n_rl; i++) {
        struct rlimit r = { p->rl[i].soft, p->rl[i].hard };
        if (setrlimit(p->rl[i].res, &r))
            die("setrlimit", NULL);
    }
}

/* 3. Stdin, stdout, stderr and the extra descriptors in place; no stdin means /dev/null.
 * Every FROM is above every TO (the forker placed them so), so no dup2 clobbers a later FROM. */
static void wire_fds(const struct plan *p)
{
    int has_stdin = 0;
    for (int i = 0; i < p->n_dup; i++) {
        if (dup2(p->dup[i].from, p->dup[i].to) < 0)
            die("dup2", NULL);
        has_stdin |= p->dup[i].to == 0;
    }
    if (!has_stdin) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0 || dup2(fd, 0) < 0)
            die("open", "/dev/null");
        if (fd)
            close(fd);
    }
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static void close_range_or_loop(unsigned lo, unsigned hi)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, lo, hi, 0) == 0)
        return;
#endif
    for (unsigned fd = lo; fd <= hi && fd < MAX_FD; fd++)
        close(fd);
}

/* 4. Close every descriptor but the kept ones. */
static void close_other_fds(struct plan *p)
{
    qsort(p->keep, p->n_keep, sizeof p->keep[0], cmp_int);
    unsigned lo = 0;
    for (int i = 0; i < p->n_keep; i++) {
        if ((unsigned)p->keep[i] > lo)
            close_range_or_loop(lo, p->keep[i] - 1);
        lo = p->keep[i] + 1;
    }
    close_range_or_loop(lo, ~0U);
}

/* 5. A mount namespace of our own without the given mount points. One the box mounted before
 * it entered its user namespace is locked there (EINVAL): it is covered by an empty read-only
 * tmpfs instead, which this process, without capabilities once its uid is dropped, cannot lift. */
static void hide_mounts(const struct plan *p)
{
    if (!p->n_hide)
        return;
    if (unshare(CLONE_NEWNS))
        die("unshare", NULL);
    for (int i = 0; i < p->n_hide; i++) {
        if (!umount2(p->hide[i], MNT_DETACH) || errno == ENOENT)
            continue;
        if (errno != EINVAL)
            die("umount", p->hide[i]);
        if (mount("xcoder-hidden", p->hide[i], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "size=4k,mode=0"))
            die("cover", p->hide[i]);
    }
}

/* 8. No supplementary groups, then gid and uid (real, effective, saved), then no capability
 * left in any set: a uid change clears the permitted and effective sets, not the inheritable. */
static void drop_uid(const struct plan *p)
{
    if (geteuid() != 0)
        return;
    if (p->uid < 0) {
        errno = EINVAL;
        die("drop uid", "(no -u)");
    }
    uid_t u = (uid_t)p->uid;
    if (setgroups(0, NULL) || setresgid(u, u, u) || setresuid(u, u, u))
        die("drop uid", NULL);
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct none[2];
    memset(none, 0, sizeof none);
    if (syscall(SYS_capset, &hdr, none))
        die("capset", NULL);
}

/* 0. The seccomp filter is read before its descriptor is closed with the others. */
static struct sock_filter insns[MAX_BPF / sizeof(struct sock_filter)];
static struct sock_fprog filter;

static void read_seccomp(const struct plan *p)
{
    if (p->bpf_fd < 0)
        return;
    ssize_t n = pread(p->bpf_fd, insns, sizeof insns, 0);
    if (n <= 0 || n % sizeof insns[0]) {
        errno = n < 0 ? errno : EINVAL;
        die("read seccomp filter", NULL);
    }
    filter.len = (unsigned short)(n / sizeof insns[0]);
    filter.filter = insns;
}

/* 10. The filter last, so it need not allow any of the set-up calls. */
static void load_seccomp(void)
{
    if (filter.len && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter, 0, 0))
        die("seccomp", NULL);
}

/* 11. The dispositions a shell would start it with, then the program itself. */
static void exec_program(const struct plan *p)
{
    static const int defaults[] = { SIGPIPE, SIGXFSZ, SIGINT }; /* confine.EXEC_DEFAULT_SIGNALS */
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        signal(defaults[i], SIG_DFL);
    execve(p->argv[0], p->argv + 1, environ);
    die("execve", p->argv[0]);
}

int main(int argc, char **argv)
{
    static struct plan p; /* static: a few kB, off the program's future stack limit */
    for (int i = 1; i + 1 < argc && strcmp(argv[i], "--"); i += 2)
        if (!strcmp(argv[i], "-e")) /* first, so that even a bad option is reported */
            err_fd = atoi(argv[i + 1]);
    parse(argc, argv, &p);
    if (err_fd >= 0 && fcntl(err_fd, F_SETFD, FD_CLOEXEC)) /* EOF for the box once we exec */
        die("fcntl", NULL);
    read_seccomp(&p);
    join_cgroup(&p);
    set_rlimits(&p);
    wire_fds(&p);
    close_other_fds(&p);
    hide_mounts(&p);
    if (chdir(p.dir))
        die("chdir", p.dir);
    if (setsid() < 0) /* 7. its own session and process group: killpg reaches all it starts */
        die("setsid", NULL);
    drop_uid(&p);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) /* 9. */
        die("no_new_privs", NULL);
    load_seccomp();
    exec_program(&p);
    return SETUP_FAILED;
}
