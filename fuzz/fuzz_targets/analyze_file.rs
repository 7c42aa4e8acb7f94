//! Any bytes as a migration file and as a migration's name: the analyzer must answer
//! with diagnostics, never panic, and every diagnostic must render.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pgstrata_analyzer::discover::parse_stem;
use pgstrata_analyzer::source::SourceFile;
use pgstrata_analyzer::{check_migration, render, Config};

fuzz_target!(|data: &[u8]| {
    // The first line doubles as a file name, as odd as the fuzzer makes it.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_stem(text.lines().next().unwrap_or(""));
    }
    let file = match SourceFile::from_bytes("/fuzz/V1__x.sql".into(), "migrations/V1__x.sql", data.to_vec()) {
        Ok(file) => file,
        Err(diagnostic) => {
            let _ = render(&diagnostic);
            return;
        }
    };
    let checked = check_migration(&file, false, &Config::default());
    for diagnostic in &checked.diagnostics {
        let _ = render(diagnostic);
    }
    for statement in &checked.parsed.statements {
        assert!(statement.range.start <= statement.range.end && statement.range.end <= file.text.len());
        assert!(file.text.is_char_boundary(statement.range.start) && file.text.is_char_boundary(statement.range.end));
    }
});
