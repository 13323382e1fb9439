//! Rebuilds the crate when a migration changes: `embed_migrations!` reads the
//! migration directories at compile time, which cargo does not track by itself
//! (diesel_migrations' documented advice).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
