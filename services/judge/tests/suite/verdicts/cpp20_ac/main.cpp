#include <bits/stdc++.h>
using namespace std;

template <class T>
concept Addable = requires(T x) { x + x; };

Addable auto add(Addable auto a, Addable auto b) { return a + b; }

int main() {
    vector<long long> v(2);
    for (auto &x : v) cin >> x;
    ranges::sort(v);
    cout << add(v[0], v[1]) << "\n";
}
