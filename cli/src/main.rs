use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = pgstrata_cli::Cli::parse();
    match pgstrata_cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}
