// Each loop stays under -fconstexpr-loop-limit, together they run ~4e10 steps.
constexpr unsigned long long spin() {
    unsigned long long s = 0;
    for (int i = 0; i < 200000; i++)
        for (int j = 0; j < 200000; j++) s += i ^ j;
    return s;
}
static_assert(spin() != 1, "");

int main() {}
