/* Looks for marks a previous run left on the scratch file systems' metadata, then leaves its own
   (see the Python twin): chosen timestamps on /box, an mtime then an atime on /tmp and /dev/shm. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    int found = 0;
    struct stat st;
    const char *dirs[] = {"/tmp", "/dev/shm"};
    int carried = stat("/box", &st) == 0 && st.st_atime == 1000000009 && st.st_mtime == 1000000007;
    printf("box timestamps: %s\n", carried ? "ALLOWED" : "blocked (fresh)");
    found |= carried;
    for (int i = 0; i < 2; i++) {
        carried = stat(dirs[i], &st) == 0 &&
                  (st.st_atim.tv_sec != st.st_mtim.tv_sec || st.st_atim.tv_nsec != st.st_mtim.tv_nsec);
        printf("%s atime/mtime: %s\n", dirs[i], carried ? "ALLOWED" : "blocked (fresh)");
        found |= carried;
    }
    puts(found ? "ESCAPED" : "contained");
    fflush(stdout);
    struct timespec times[2] = {{1000000009, 0}, {1000000007, 0}};
    utimensat(AT_FDCWD, "/box", times, 0);
    for (int i = 0; i < 2; i++) {
        char path[64];
        snprintf(path, sizeof path, "%s/mark", dirs[i]);
        close(open(path, O_CREAT | O_WRONLY, 0600));
        unlink(path);
    }
    usleep(30000);
    for (int i = 0; i < 2; i++) {
        DIR *d = opendir(dirs[i]);
        if (d) {
            while (readdir(d)) {
            }
            closedir(d);
        }
    }
    return 0;
}
