#include <bits/stdc++.h>
using namespace std;

int main() {
    pair<long long, long long> p;
    cin >> p.first >> p.second;
    auto [a, b] = p;  // C++17 structured binding
    optional<long long> s = a + b;
    cout << *s << "\n";
}
