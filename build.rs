fn main() {
    // A new migration file rebuilds the example (edits already do: the macro
    // `include_str!`s every file it embeds).
    println!("cargo:rerun-if-changed=migrations");
}
