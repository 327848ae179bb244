/* Probe helpers (each hostile case carries its own copy). A probe runs one attempt in a forked
 * child, so an error return and a seccomp kill (SIGSYS) both count as blocked. The child exits 0
 * only when the attempt succeeded. The last line printed is "contained" or "ESCAPED <n>". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int escaped_count = 0;

/* attempt() returns >= 0 on success (the sandbox let it through), < 0 with errno set otherwise. */
static void probe(const char *name, long (*attempt)(void)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        printf("%s: INCONCLUSIVE (fork: %s)\n", name, strerror(errno));
        escaped_count++;
        return;
    }
    if (pid == 0) {
        errno = 0;
        long r = attempt();
        if (r >= 0) _exit(0);
        printf("%s: blocked (%s)\n", name, strerror(errno));
        fflush(stdout);
        _exit(1);
    }
    int st;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        printf("%s: ALLOWED\n", name);
        escaped_count++;
    } else if (WIFSIGNALED(st)) {
        printf("%s: blocked (signal %d)\n", name, WTERMSIG(st));
    }
    fflush(stdout);
}

static int finish(void) {
    if (escaped_count == 0) puts("contained");
    else printf("ESCAPED %d\n", escaped_count);
    return 0;
}

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif

static long new_user(void) { return unshare(CLONE_NEWUSER); }
static long new_mount(void) { return unshare(CLONE_NEWNS); }
static long new_net(void) { return unshare(CLONE_NEWNET); }
static long new_user_and_mount(void) { return unshare(CLONE_NEWUSER | CLONE_NEWNS); }
static long clone_new_user(void) {
    long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (r == 0) _exit(0);
    return r;
}
static long clone3_new_user(void) {
    struct { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls; } args = {0};
    args.flags = CLONE_NEWUSER;
    args.exit_signal = SIGCHLD;
    long r = syscall(SYS_clone3, &args, sizeof args);
    if (r == 0) _exit(0);
    return r;
}
static long setns_mnt(void) {
    int fd = open("/proc/1/ns/mnt", O_RDONLY);
    if (fd < 0) return -1;
    return setns(fd, 0);
}
static long setns_self_net(void) {
    int fd = open("/proc/self/ns/net", O_RDONLY);
    if (fd < 0) return -1;
    return setns(fd, CLONE_NEWNET);
}
static long mount_tmpfs(void) { return mount("none", "/tmp", "tmpfs", 0, NULL); }
static long remount_root_rw(void) { return mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL); }
static long umount_box(void) { return umount2(".", MNT_DETACH); }
static long do_chroot(void) { return chroot("/tmp"); }
static long do_pivot_root(void) { return syscall(SYS_pivot_root, ".", "."); }
static long do_fsopen(void) { return syscall(SYS_fsopen, "tmpfs", 0); }
static long do_open_tree(void) { return syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* OPEN_TREE_CLONE */); }

int main(void) {
    probe("unshare(CLONE_NEWUSER)", new_user);
    probe("unshare(CLONE_NEWNS)", new_mount);
    probe("unshare(CLONE_NEWNET)", new_net);
    probe("unshare(CLONE_NEWUSER|CLONE_NEWNS)", new_user_and_mount);
    probe("clone(CLONE_NEWUSER)", clone_new_user);
    probe("clone3(CLONE_NEWUSER)", clone3_new_user);
    probe("setns(/proc/1/ns/mnt)", setns_mnt);
    probe("setns(/proc/self/ns/net)", setns_self_net);
    probe("mount tmpfs", mount_tmpfs);
    probe("remount / read-write", remount_root_rw);
    probe("umount the work dir", umount_box);
    probe("chroot", do_chroot);
    probe("pivot_root", do_pivot_root);
    probe("fsopen(tmpfs)", do_fsopen);
    probe("open_tree(/, CLONE)", do_open_tree);
    return finish();
}
