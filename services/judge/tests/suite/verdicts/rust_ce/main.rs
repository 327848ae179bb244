fn main() {
    let v = vec![1, 2, 3];
    let w = v;
    println!("{:?}", v); // use after move: a borrow-checker error
    drop(w);
}
