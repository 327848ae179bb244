// 2^32 distinct instantiations: memory and time explode unless the compile limits stop it.
template <int N, unsigned long long M>
struct Tree {
    static constexpr unsigned long long value = Tree<N - 1, 2 * M>::value + Tree<N - 1, 2 * M + 1>::value;
};
template <unsigned long long M>
struct Tree<0, M> {
    static constexpr unsigned long long value = M & 1;
};

int main() { return (int)Tree<32, 1>::value; }
