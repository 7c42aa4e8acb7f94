//! Logical replication: publications, subscriptions and the `ALTER`s that add or
//! drop what they carry.

use super::dropped::Dropped;
use super::{Problem, ANY_ERROR, DUPLICATE_OBJECT};
use pg_query::protobuf::{
    AlterPublicationAction, AlterPublicationStmt, AlterSubscriptionStmt, AlterSubscriptionType,
    CreatePublicationStmt,
};

pub(super) fn create_publication(s: &CreatePublicationStmt, dropped: &Dropped) -> Option<Problem> {
    (!dropped.has("publication", &s.pubname, None)).then(|| {
        Problem::needs_guard(
            "CREATE PUBLICATION",
            "DROP PUBLICATION IF EXISTS ...",
            DUPLICATE_OBJECT,
        )
    })
}

pub(super) fn create_subscription() -> Option<Problem> {
    Some(Problem::fails(
        "CREATE SUBSCRIPTION",
        "the subscription exists",
        DUPLICATE_OBJECT,
    ))
}

pub(super) fn alter_publication(s: &AlterPublicationStmt) -> Option<Problem> {
    match AlterPublicationAction::try_from(s.action) {
        Ok(AlterPublicationAction::ApAddObjects | AlterPublicationAction::ApDropObjects) => {
            Some(Problem::fails(
                "ALTER PUBLICATION ... ADD/DROP",
                "the tables were already added or dropped",
                ANY_ERROR,
            ))
        }
        _ => None,
    }
}

pub(super) fn alter_subscription(s: &AlterSubscriptionStmt) -> Option<Problem> {
    match AlterSubscriptionType::try_from(s.kind) {
        Ok(
            AlterSubscriptionType::AlterSubscriptionAddPublication
            | AlterSubscriptionType::AlterSubscriptionDropPublication,
        ) => Some(Problem::fails(
            "ALTER SUBSCRIPTION ... ADD/DROP PUBLICATION",
            "the publication was already added or dropped",
            ANY_ERROR,
        )),
        _ => None,
    }
}
