#include "{{REPO}}/services/judge/xcoder_judge/config.py"

int main() {}
