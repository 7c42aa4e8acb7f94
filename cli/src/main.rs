use clap::Parser;
use pgstrata_cli::connection::{redact, register_secrets};
use std::process::ExitCode;

fn main() -> ExitCode {
    // Every password the command could print is known before anything runs: the
    // environment's, and any in the arguments (a URL passed where a directory was
    // expected is echoed in the error).
    if let Ok(url) = std::env::var("DATABASE_URL") {
        register_secrets(&url);
    }
    for arg in std::env::args().skip(1) {
        if arg.contains("://") || arg.contains("password") {
            register_secrets(arg.trim_start_matches("--database-url="));
        }
    }
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "pgstrata panicked{location}: {}\nThis is a bug in pgstrata; please report it.",
            redact(&message)
        );
    }));
    let cli = pgstrata_cli::Cli::parse();
    match pgstrata_cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", redact(&error));
            ExitCode::from(2)
        }
    }
}
