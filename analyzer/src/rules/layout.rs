//! `layout`: problems with the migrations directory itself (see `discover`): names
//! without a version, duplicate versions, a down without an up, mixed layouts, files
//! that are empty, unreadable or not UTF-8.

use super::RuleMeta;

pub static RULE: RuleMeta = RuleMeta {
    id: "layout",
    summary: "the migrations directory does not fit one layout",
    explanation: "pgstrata reads the layouts of refinery and Flyway (`V3__name.sql`), sqlx, \
dbmate and golang-migrate (`0003_name.sql`, `0003_name.up.sql` + `.down.sql`), diesel \
(`2017-03-18-181441_name/up.sql`) and Prisma (`0_init/migration.sql`), and orders \
migrations by the version in the name, never by the name itself. A file it cannot \
place would be silently skipped or misordered at deploy time, so each is an error \
naming the file. Hidden files, editor backups and files that are not `.sql` are ignored.",
    allowable: false,
    bad: r#"migrations/
  0001_init.sql
  1_accounts.sql        -- version 1 again
  add_users.sql         -- no version"#,
    good: r#"migrations/
  0001_init.sql
  0002_accounts.sql
  0003_add_users.sql"#,
};
