#[test]
fn show() {
    let body = "BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'task') THEN
        CREATE TYPE task AS ENUM ('a');
    END IF;
    CREATE TYPE x AS ENUM ('b');
    EXECUTE 'CREATE TABLE y (id int)';
    PERFORM nextval('s');
EXCEPTION
    WHEN duplicate_object THEN NULL;
END";
    let sql = format!("CREATE FUNCTION pgstrata_do() RETURNS void LANGUAGE plpgsql AS $pgstrata$ {body} $pgstrata$");
    let v = pg_query::parse_plpgsql(&sql).unwrap();
    println!("{}", serde_json::to_string_pretty(&v).unwrap());
    let tree = pg_query::parse(
        "insert into t select 1 where not exists (select 1 from t)",
        0,
    )
    .unwrap();
    println!(
        "{}",
        serde_json::to_string(&tree.protobuf.stmts[0]).unwrap()
    );
}
