//! Which crates the generated code may use: the facade's features, passed in as a value.

/// The client and the type crates the facade was built with. The macro reads them
/// from its own features (which mirror the facade's); the CLI from its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// `Row::from_row` and `Insert::execute`/`returning` use the `postgres` client.
    pub postgres: bool,
    pub uuid: bool,
    pub chrono: bool,
    /// Dates and times as `time`'s types; turned on, it takes `chrono`'s place.
    pub time: bool,
    pub serde_json: bool,
    pub rust_decimal: bool,
}

impl Features {
    /// No client and no type crate.
    pub const NONE: Features = Features {
        postgres: false,
        uuid: false,
        chrono: false,
        time: false,
        serde_json: false,
        rust_decimal: false,
    };

    /// The facade's `default` features: the `postgres` client and `chrono`.
    pub const FACADE_DEFAULT: Features = Features {
        postgres: true,
        chrono: true,
        ..Features::NONE
    };
}

impl Default for Features {
    fn default() -> Self {
        Features::FACADE_DEFAULT
    }
}
