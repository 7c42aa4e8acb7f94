//! Which crates the generated code may use: the facade's features, passed in as a value.

/// The client and the type crates the facade was built with. The macro reads them
/// from its own features (which mirror the facade's); the CLI from its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// `Row::from_row` and `Insert::execute`/`returning` use the `postgres` client.
    pub postgres: bool,
    /// `Row::from_row` and `Insert::execute_async`/`returning_async` use the
    /// `tokio-postgres` client.
    pub tokio_postgres: bool,
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
        tokio_postgres: false,
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

/// The clients the generated `Row` and `Insert` read and write through; neither means
/// they only build their SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Clients {
    pub postgres: bool,
    pub tokio_postgres: bool,
}

impl Clients {
    /// Whether rows can be read: both clients share their `Row` type.
    pub fn any(self) -> bool {
        self.postgres || self.tokio_postgres
    }
}

impl Features {
    pub fn clients(self) -> Clients {
        Clients {
            postgres: self.postgres,
            tokio_postgres: self.tokio_postgres,
        }
    }
}
