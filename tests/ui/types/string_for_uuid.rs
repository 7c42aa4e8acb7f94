mod db {
    pgstrata::migrations!("migrations");
}

fn main() {
    let _ = db::schema::threads::Insert {
        title: "a thread".to_string(),
        user_id: String::from("0d5f8a7e-1b7c-4a53-9c1e-2d3b4a5c6d7e"),
        thread_id: None,
        vlab_id: None,
        project_id: None,
        creation_date: None,
        update_date: None,
    };
}
