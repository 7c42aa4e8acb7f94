use pgstrata_analyzer::rules::RULES;
use std::process::ExitCode;

pub fn run() -> ExitCode {
    let width = RULES.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for rule in RULES {
        println!("{:width$}  {}", rule.id, rule.summary);
    }
    ExitCode::SUCCESS
}
