// A checker that does not compile: the problem is broken, not the submission.
int main(int argc, char **argv) {
    return undefined_function(argv[1])
}
