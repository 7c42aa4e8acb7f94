//! What the typed module must get right that the seed schemas do not show
//! (`tests/fixtures/typed_forms`), through the generated types on a real server:
//!
//! - domains: a column of a domain takes and gives its base type's Rust type, its
//!   `Insert` parameter cast to that base type (the `postgres` crate refuses a
//!   parameter typed as the domain); a domain NOT NULL makes the column required and
//!   its `Row` field a value, a domain DEFAULT makes it `Option` in `Insert`; the
//!   domain's checks still run on the server; an array of a domain is left out;
//! - names: `"createdAt"` and `created_at` get two fields and two constants, `"2fa"`
//!   a valid Rust name, a `public` table named like a schema its own module; enums,
//!   labels and schemas whose Rust names meet get `2`/`_2` (an enum named `Row` too,
//!   which a table module's own `Row` would shadow).

use db::schema::{self, Mood, Row2, Status, Status2};
use pgstrata::types::chrono::NaiveDate;
use pgstrata_testkit::TestDb;

mod db {
    pgstrata::migrations!("tests/fixtures/typed_forms");
}

#[test]
fn domains_and_awkward_names_round_trip_through_the_generated_types() {
    let test_db = TestDb::new("typed_forms");
    let mut client = test_db.connect();
    db::runner().run(&mut client).expect("the fixture migrates");

    let joined = NaiveDate::from_ymd_opt(2026, 12, 7).expect("a date");
    let member = schema::members::Insert {
        email: "ada@lovelace.org".into(),
        // A domain NOT NULL without a default: a value, not an `Option`.
        seats: 3,
        work_email: Some("ada@analytical.engine".into()),
        // The domain's default (`None`), as opposed to NULL (`Some(None)`).
        mood: None,
        created_at: None,
        created_at_2: Some(joined),
        _2fa: Some(true),
    }
    .returning(&mut client)
    .expect("a member with domain columns inserts");
    assert_eq!(member.email, "ada@lovelace.org");
    assert_eq!(member.seats, 3);
    assert_eq!(member.work_email.as_deref(), Some("ada@analytical.engine"));
    assert_eq!(member.mood, Some(Mood::Calm), "the domain's default");
    assert_eq!(member.created_at_2, Some(joined));
    assert!(member._2fa);

    // Read back by `Row::SELECT`, and stored again from the row it was read as.
    let select = format!(
        "SELECT {} FROM {} ORDER BY id",
        schema::members::Row::SELECT,
        schema::members::QUALIFIED
    );
    let read = client.query(&select, &[]).expect("the members read");
    let read = schema::members::Row::from_row(&read[0]).expect("a member row");
    assert_eq!(read, member);
    let copy = schema::members::Insert::from(&read)
        .returning(&mut client)
        .expect("a row read stores again");
    assert_eq!(copy.email, read.email);
    assert_eq!(copy.mood, read.mood);
    assert_ne!(copy.id, read.id, "the identity is the server's");

    // NULL where the domain has a default; the domain's checks run on the server.
    let quiet = schema::members::Insert {
        mood: Some(None),
        work_email: None,
        ..schema::members::Insert::from(&read)
    }
    .returning(&mut client)
    .expect("NULL in a nullable domain column");
    assert_eq!(quiet.mood, None);
    let refused = schema::members::Insert {
        work_email: Some("ada@example.com".into()),
        ..schema::members::Insert::from(&read)
    }
    .execute(&mut client)
    .expect_err("work_email's own check refuses example.com");
    let code = refused.code().map(|c| c.code().to_string());
    assert_eq!(code.as_deref(), Some("23514"), "check_violation: {refused}");

    // The table named like the schema `audit`, and the schema's table.
    let note = schema::audit_3::Insert {
        member_id: member.id,
        note: "joined".into(),
    }
    .returning(&mut client)
    .expect("public.audit inserts");
    assert_eq!(note.member_id, member.id);
    assert_eq!(schema::audit_3::QUALIFIED, "\"public\".\"audit\"");
    let event = schema::audit::events::Insert {
        member_email: member.email.clone(),
    }
    .returning(&mut client)
    .expect("audit.events inserts");
    assert_eq!(event.member_email, member.email);

    // Enums, labels and schemas whose Rust names meet.
    let entry = schema::audit_2::entries::Insert {
        position: Row2::Second,
        status: None,
        kind: Some(Status2::Open),
    }
    .returning(&mut client)
    .expect("\"Audit\".entries inserts");
    assert_eq!(entry.status, Status::Done);
    assert_eq!(entry.position, Row2::Second);
    assert_eq!(schema::audit_2::entries::QUALIFIED, "\"Audit\".\"entries\"");
    assert_eq!(
        Status::ALL,
        [Status::InProgress, Status::InProgress2, Status::Done]
    );
    assert_eq!(Status::InProgress2.as_str(), "In Progress");
    let read: Status = client
        .query_one("SELECT 'In Progress'::status", &[])
        .expect("a label")
        .get(0);
    assert_eq!(read, Status::InProgress2);

    assert_eq!(schema::members::columns::CREATED_AT, "createdAt");
    assert_eq!(schema::members::columns::CREATED_AT_2, "created_at");
    assert_eq!(schema::members::columns::_2FA, "2fa");
    assert!(schema::members::COLUMNS.contains(&"old_emails"));
    assert!(
        !schema::members::Row::SELECT.contains("old_emails"),
        "an array of a domain is left out of `Row`"
    );
}
