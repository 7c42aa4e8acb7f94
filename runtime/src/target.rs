//! Where an operation goes: the latest migration, a version, a number of steps from
//! where the database is, or nothing applied at all. Spelled as Alembic spells them
//! (`head`, `+1`, `-1`, `base`), so the CLI's `--to` reads the same.

use std::fmt;
use std::str::FromStr;

/// How far `up`, `down`, `baseline` and `script` go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    /// Every migration in the build (`latest`, `head`).
    #[default]
    Latest,
    /// Up to and including this version, which must be a migration in the build. Going
    /// down, this version stays applied and every later one is reverted.
    Version(i64),
    /// The next N pending migrations (`+N`).
    Forward(u32),
    /// The N newest applied migrations reverted (`-N`).
    Back(u32),
    /// Nothing applied (`base`): going down, every applied migration is reverted.
    Base,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Latest => f.write_str("latest"),
            Target::Version(version) => write!(f, "{version}"),
            Target::Forward(steps) => write!(f, "+{steps}"),
            Target::Back(steps) => write!(f, "-{steps}"),
            Target::Base => f.write_str("base"),
        }
    }
}

impl FromStr for Target {
    type Err = String;

    /// `latest` (or `head`), `base`, `+N`, `-N`, or a version.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let steps = |digits: &str| {
            digits
                .parse::<u32>()
                .ok()
                .filter(|&n| n > 0 && digits.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| format!("`{text}`: steps must be a positive number, as in +1 or -2"))
        };
        match text.to_ascii_lowercase().as_str() {
            "latest" | "head" => Ok(Target::Latest),
            "base" => Ok(Target::Base),
            _ => {
                if let Some(digits) = text.strip_prefix('+') {
                    steps(digits).map(Target::Forward)
                } else if let Some(digits) = text.strip_prefix('-') {
                    steps(digits).map(Target::Back)
                } else if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                    text.parse()
                        .map(Target::Version)
                        .map_err(|_| format!("`{text}` is too large for a version"))
                } else {
                    Err(format!(
                        "`{text}` is not a target: use a version, `latest`, `base`, `+N` or `-N`"
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_print_as_alembic_spells_them() {
        for (text, target) in [
            ("latest", Target::Latest),
            ("base", Target::Base),
            ("+1", Target::Forward(1)),
            ("-2", Target::Back(2)),
            ("20240101120000", Target::Version(20240101120000)),
        ] {
            assert_eq!(text.parse::<Target>(), Ok(target));
            assert_eq!(target.to_string(), text);
        }
        assert_eq!("HEAD".parse::<Target>(), Ok(Target::Latest));
        assert_eq!("0".parse::<Target>(), Ok(Target::Version(0)));
    }

    #[test]
    fn malformed_targets_say_what_is_expected() {
        for text in [
            "",
            "+0",
            "-",
            "+x",
            "1.5",
            "--1",
            "+ 1",
            "99999999999999999999",
        ] {
            let error = text.parse::<Target>().unwrap_err();
            assert!(error.contains('`'), "{text}: {error}");
        }
    }
}
