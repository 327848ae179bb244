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
#include <linux/keyctl.h>
#include <sys/syscall.h>

#ifndef SYS_userfaultfd
#define SYS_userfaultfd 323
#endif

static long add_key_user(void) { return syscall(SYS_add_key, "user", "xcoder", "secret", 6, KEY_SPEC_PROCESS_KEYRING); }
static long keyctl_join(void) { return syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "xcoder"); }
static long request_key_user(void) { return syscall(SYS_request_key, "user", "xcoder", NULL, KEY_SPEC_PROCESS_KEYRING); }
static long uffd(void) { return syscall(SYS_userfaultfd, O_CLOEXEC | 1 /* UFFD_USER_MODE_ONLY */); }
static long kexec(void) { return syscall(SYS_kexec_load, 0, 0, NULL, 0); }
static long kexec_file(void) { return syscall(SYS_kexec_file_load, -1, -1, 0, "", 0); }
static long init_mod(void) { return syscall(SYS_init_module, "", 0, ""); }
static long finit_mod(void) { return syscall(SYS_finit_module, -1, "", 0); }
static long delete_mod(void) { return syscall(SYS_delete_module, "xcoder_none", 0); }
static long read_kernel_log(void) {
    static char buf[256];
    return syscall(SYS_syslog, 3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof buf);
}
static long open_by_handle(void) {
    static char handle[136];
    ((unsigned *)handle)[0] = 8;  /* handle_bytes */
    return syscall(SYS_open_by_handle_at, AT_FDCWD, handle, O_RDONLY);
}
static long do_acct(void) { return syscall(SYS_acct, "acct.log"); }

int main(void) {
    probe("add_key", add_key_user);
    probe("keyctl(JOIN_SESSION_KEYRING)", keyctl_join);
    probe("request_key", request_key_user);
    probe("userfaultfd(USER_MODE_ONLY)", uffd);
    probe("kexec_load", kexec);
    probe("kexec_file_load", kexec_file);
    probe("init_module", init_mod);
    probe("finit_module", finit_mod);
    probe("delete_module", delete_mod);
    probe("syslog(READ_ALL) (dmesg)", read_kernel_log);
    probe("open_by_handle_at", open_by_handle);
    probe("acct", do_acct);
    return finish();
}
