// A `match` written before a migration added a label stops compiling: the Rust enum
// has a variant per label, and `AI_MESSAGE` has no arm here.
mod db {
    pgstrata::migrations!("migrations");
}

use db::schema::Entity;

fn speaker(entity: Entity) -> &'static str {
    match entity {
        Entity::User => "user",
        Entity::AiTool | Entity::Tool => "tool",
    }
}

fn main() {
    let _ = speaker(Entity::User);
}
