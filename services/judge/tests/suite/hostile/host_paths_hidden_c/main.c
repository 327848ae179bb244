/* Prints what the box shows of where things come from; the test checks it from outside. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void dump(const char *path) {
    char buf[65536];
    printf("== %s\n", path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("unreadable\n");
        return;
    }
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        for (size_t i = 0; i < n; i++)
            if (buf[i] == '\0') buf[i] = ' ';
        fwrite(buf, 1, n, stdout);
    }
    fclose(f);
    printf("\n");
}

static void link_of(const char *title, const char *path) {
    char target[4096];
    ssize_t n = readlink(path, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = '\0';
    printf("== %s %s\n", title, n < 0 ? "unreadable" : target);
}

int main(int argc, char **argv) {
    const char *files[] = {"/proc/self/mountinfo", "/proc/self/mounts", "/proc/self/maps",
                           "/proc/self/environ",   "/proc/self/cmdline", "/proc/1/cmdline",
                           "/proc/1/mountinfo",    "/proc/self/status"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) dump(files[i]);
    char cwd[4096];
    printf("== cwd %s\n", getcwd(cwd, sizeof cwd) ? cwd : "unknown");
    for (int i = 0; i < argc; i++) printf("== argv[%d] %s\n", i, argv[i]);
    link_of("exe", "/proc/self/exe");
    link_of("cwd link", "/proc/self/cwd");
    link_of("root link", "/proc/self/root");
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    char path[512];
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        link_of(path, path);
    }
    if (d) closedir(d);
    extern char **environ;
    for (char **p = environ; *p; p++) printf("== env %s\n", *p);
    printf("== end\n");
    return 0;
}
