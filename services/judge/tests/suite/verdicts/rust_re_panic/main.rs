fn main() {
    let v: Vec<i32> = Vec::new();
    let i = std::hint::black_box(3);
    println!("{}", v[i]);
}
