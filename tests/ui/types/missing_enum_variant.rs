mod db {
    pgstrata::migrations!("migrations");
}

fn main() {
    let _ = db::schema::Entity::Robot;
}
