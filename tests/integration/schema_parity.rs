//! The two migration folders describe one schema. `src/db/schema.rs` is generated
//! from `migrations/postgres` (and CI checks it is current); these tests migrate
//! fresh databases with the project's own embedded migrations, read back every
//! table and its columns (name, type, nullability) from the database's catalogue,
//! and compare them with the tables of `src/db/schema.rs` and with each other. A
//! column added to one backend's migrations only fails here.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use diesel::sql_types::{Bool, Integer, Text};
use diesel::{Connection, RunQueryDsl};
use hrms::config::Settings;
use hrms::db::{Db, DbConnection};

/// One column as every side describes it: a backend-neutral type name and
/// whether it accepts NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    ty: String,
    nullable: bool,
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let null = if self.nullable { "NULL" } else { "NOT NULL" };
        write!(f, "{} {null}", self.ty)
    }
}

/// Table name -> column name -> column.
type Tables = BTreeMap<String, BTreeMap<String, Column>>;

/// A catalogue row, the same shape on both backends.
#[derive(diesel::QueryableByName)]
struct CatalogueColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
    /// SQLite: position in the primary key (0: not part of it). PostgreSQL: 0.
    #[diesel(sql_type = Integer)]
    pk: i32,
}

/// Type names of diesel's `table!` (as print-schema writes them, and their
/// aliases) to the neutral names.
fn diesel_type(name: &str) -> String {
    let neutral = match name {
        "Text" => "text",
        "VarChar" | "Varchar" => "varchar",
        "Int2" | "SmallInt" => "smallint",
        "Int4" | "Integer" => "integer",
        "Int8" | "BigInt" => "bigint",
        "Bool" => "boolean",
        "Date" => "date",
        "Time" => "time",
        "Timestamp" => "timestamp",
        "Timestamptz" | "TimestamptzSqlite" => "timestamptz",
        "Float4" | "Float" => "real",
        "Float8" | "Double" => "double",
        "Numeric" => "numeric",
        "Bytea" | "Binary" => "binary",
        "Uuid" => "uuid",
        "Json" => "json",
        "Jsonb" => "jsonb",
        other => {
            panic!("src/db/schema.rs: no neutral name for the diesel type {other}: add it here")
        }
    };
    neutral.to_owned()
}

/// `information_schema.columns.data_type` to the neutral names.
fn postgres_type(name: &str) -> String {
    let neutral = match name {
        "text" => "text",
        "character varying" => "varchar",
        "smallint" => "smallint",
        "integer" => "integer",
        "bigint" => "bigint",
        "boolean" => "boolean",
        "date" => "date",
        "time without time zone" => "time",
        "timestamp without time zone" => "timestamp",
        "timestamp with time zone" => "timestamptz",
        "real" => "real",
        "double precision" => "double",
        "numeric" => "numeric",
        "bytea" => "binary",
        "uuid" => "uuid",
        "json" => "json",
        "jsonb" => "jsonb",
        other => panic!("PostgreSQL: no neutral name for the column type {other}: add it here"),
    };
    neutral.to_owned()
}

/// A column's declared type in SQLite to the neutral names. `rowid` is true for
/// the table's only primary-key column declared INTEGER: SQLite makes it the
/// 64-bit rowid (what BIGSERIAL is on PostgreSQL), so it counts as bigint.
fn sqlite_type(declared: &str, rowid: bool) -> String {
    let upper = declared.trim().to_ascii_uppercase();
    let base = upper.split('(').next().unwrap_or_default().trim();
    let neutral = match base {
        "INTEGER" if rowid => "bigint",
        "INTEGER" | "INT" => "integer",
        "TEXT" => "text",
        "VARCHAR" | "CHARACTER VARYING" => "varchar",
        "SMALLINT" => "smallint",
        "BIGINT" => "bigint",
        "BOOLEAN" | "BOOL" => "boolean",
        "DATE" => "date",
        "TIME" => "time",
        "TIMESTAMP" => "timestamp",
        "TIMESTAMPTZ" => "timestamptz",
        "REAL" | "FLOAT" => "real",
        "DOUBLE" | "DOUBLE PRECISION" => "double",
        "NUMERIC" | "DECIMAL" => "numeric",
        "BLOB" | "BINARY" => "binary",
        other => panic!("SQLite: no neutral name for the declared type {other}: add it here"),
    };
    neutral.to_owned()
}

/// The tables of `src/db/schema.rs`, read from its text: every `diesel::table!`
/// block (print-schema's layout), `Nullable<...>` for nullability and
/// `#[sql_name = "..."]` for columns whose Rust name differs.
fn diesel_tables(source: &str) -> Tables {
    let mut tables = Tables::new();
    let mut current: Option<String> = None;
    let mut in_macro = false;
    let mut sql_name: Option<String> = None;
    for line in source.lines().map(str::trim) {
        if line.starts_with("//") || line.is_empty() {
            continue;
        }
        if line.starts_with("diesel::table!") {
            in_macro = true;
            continue;
        }
        if let Some(name) = line
            .strip_prefix("#[sql_name = \"")
            .and_then(|rest| rest.strip_suffix("\"]"))
        {
            sql_name = Some(name.to_owned());
            continue;
        }
        if line.starts_with("#[") {
            continue;
        }
        match &current {
            None if in_macro && line.ends_with('{') => {
                let name = line
                    .split(|c: char| c.is_whitespace() || c == '(')
                    .next()
                    .unwrap_or_default();
                let name = name.rsplit('.').next().unwrap_or(name).to_owned();
                tables.entry(name.clone()).or_default();
                current = Some(name);
            }
            Some(table) if line.contains("->") => {
                let (rust_name, ty) = line.split_once("->").expect("column line");
                let rust_name = rust_name.trim().trim_start_matches("r#");
                let name = sql_name.take().unwrap_or_else(|| rust_name.to_owned());
                let ty = ty.trim().trim_end_matches(',').trim();
                let (inner, nullable) = match ty
                    .strip_prefix("Nullable<")
                    .and_then(|t| t.strip_suffix('>'))
                {
                    Some(inner) => (inner, true),
                    None => (ty, false),
                };
                let inner = inner.rsplit("::").next().unwrap_or(inner);
                let column = Column {
                    ty: diesel_type(inner),
                    nullable,
                };
                tables
                    .get_mut(table)
                    .expect("table entry")
                    .insert(name, column);
            }
            Some(_) if line == "}" => current = None,
            None if line == "}" => in_macro = false,
            _ => {}
        }
    }
    tables
}

fn schema_rs() -> Tables {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/db/schema.rs");
    let source =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let tables = diesel_tables(&source);
    assert!(
        !tables.is_empty() && tables.values().all(|c| !c.is_empty()),
        "no tables or columns read from {}: did print-schema's layout change?",
        path.display()
    );
    tables
}

/// A migrated database of the project (its own `Db` and embedded migrations).
fn migrated(sqlite_path: &Path, database_url: Option<&str>) -> Db {
    let mut env = vec![(
        "HRMS_SQLITE_PATH".to_owned(),
        sqlite_path.to_string_lossy().into_owned(),
    )];
    if let Some(url) = database_url {
        env.push(("DATABASE_URL".to_owned(), url.to_owned()));
    }
    env.push(("HRMS_DB_POOL_SIZE".to_owned(), "1".to_owned()));
    let config_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
    let settings = Settings::load_from(&config_dir, "test", &env).expect("test settings");
    let db = Db::connect(&settings.database).expect("database pool");
    db.migrate().expect("migrations apply");
    db
}

fn sqlite_tables(conn: &mut DbConnection) -> Tables {
    let DbConnection::Sqlite(conn) = conn else {
        panic!("expected SQLite")
    };
    let rows: Vec<CatalogueColumn> = diesel::sql_query(
        "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, \
                (p.\"notnull\" = 0) AS nullable, p.pk AS pk \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
           AND m.name <> '__diesel_schema_migrations' \
         ORDER BY m.name, p.cid",
    )
    .load(conn)
    .expect("read sqlite_master");
    let mut pk_columns: BTreeMap<&str, usize> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.pk > 0) {
        *pk_columns.entry(&row.table_name).or_default() += 1;
    }
    let mut tables = Tables::new();
    for row in &rows {
        let rowid = row.pk > 0 && pk_columns.get(row.table_name.as_str()) == Some(&1);
        // A primary key never holds NULL (PostgreSQL and diesel agree); SQLite's
        // table_info only reports an explicit NOT NULL.
        let column = Column {
            ty: sqlite_type(&row.data_type, rowid),
            nullable: row.nullable && row.pk == 0,
        };
        tables
            .entry(row.table_name.clone())
            .or_default()
            .insert(row.column_name.clone(), column);
    }
    tables
}

fn postgres_tables(conn: &mut DbConnection) -> Tables {
    let DbConnection::Pg(conn) = conn else {
        panic!("expected PostgreSQL")
    };
    let rows: Vec<CatalogueColumn> = diesel::sql_query(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, \
                c.data_type::text AS data_type, (c.is_nullable = 'YES') AS nullable, 0 AS pk \
         FROM information_schema.columns c \
         JOIN information_schema.tables t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
           AND c.table_name <> '__diesel_schema_migrations' \
         ORDER BY c.table_name, c.ordinal_position",
    )
    .load(conn)
    .expect("read information_schema");
    let mut tables = Tables::new();
    for row in rows {
        let column = Column {
            ty: postgres_type(&row.data_type),
            nullable: row.nullable,
        };
        tables
            .entry(row.table_name)
            .or_default()
            .insert(row.column_name, column);
    }
    tables
}

/// Every difference between two descriptions, one line each (empty: the same).
fn differences(left_name: &str, left: &Tables, right_name: &str, right: &Tables) -> Vec<String> {
    let mut out = Vec::new();
    for (table, columns) in left {
        let Some(other) = right.get(table) else {
            out.push(format!(
                "table {table}: in {left_name}, not in {right_name}"
            ));
            continue;
        };
        for (name, column) in columns {
            match other.get(name) {
                None => out.push(format!(
                    "{table}.{name} ({column}): in {left_name}, not in {right_name}"
                )),
                Some(o) if o != column => out.push(format!(
                    "{table}.{name}: {column} in {left_name}, {o} in {right_name}"
                )),
                Some(_) => {}
            }
        }
        for (name, column) in other {
            if !columns.contains_key(name) {
                out.push(format!(
                    "{table}.{name} ({column}): in {right_name}, not in {left_name}"
                ));
            }
        }
    }
    for table in right.keys().filter(|t| !left.contains_key(*t)) {
        out.push(format!(
            "table {table}: in {right_name}, not in {left_name}"
        ));
    }
    out
}

fn assert_same(left_name: &str, left: &Tables, right_name: &str, right: &Tables) {
    let diff = differences(left_name, left, right_name, right);
    assert!(
        diff.is_empty(),
        "{left_name} and {right_name} differ (change both migration folders alike, then run \
         scripts/gen-schema.sh):\n  {}",
        diff.join("\n  ")
    );
}

/// A database of its own on the `HRMS_TEST_DATABASE_URL` server, dropped at the end.
struct PgDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PgDatabase {
    fn create(admin_url: &str) -> Self {
        let name = format!("hrms_t_parity_{}", uuid::Uuid::new_v4().simple());
        let mut admin =
            diesel::PgConnection::establish(admin_url).expect("connect to HRMS_TEST_DATABASE_URL");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("create the test database");
        let (base, query) = admin_url.split_once('?').unwrap_or((admin_url, ""));
        let authority_end = base
            .find("://")
            .map(|i| i + 3)
            .and_then(|start| base[start..].find('/').map(|i| start + i))
            .unwrap_or(base.len());
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        let url = format!("{}/{name}{query}", &base[..authority_end]);
        Self {
            admin_url: admin_url.to_owned(),
            name,
            url,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = diesel::PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin);
        }
    }
}

#[test]
fn both_backends_migrations_create_the_tables_and_columns_of_the_generated_diesel_schema() {
    let schema = schema_rs();
    let dir = tempfile::tempdir().expect("temp dir");

    let sqlite_db = migrated(&dir.path().join("parity.db"), None);
    let sqlite = sqlite_tables(&mut sqlite_db.get().expect("sqlite connection"));
    assert_same("migrations/sqlite", &sqlite, "src/db/schema.rs", &schema);

    // Without a PostgreSQL server the SQLite side is still held to schema.rs,
    // which CI checks against migrations/postgres (scripts/gen-schema.sh --check).
    let Ok(admin_url) = std::env::var("HRMS_TEST_DATABASE_URL") else {
        return;
    };
    let pg_database = PgDatabase::create(&admin_url);
    let pg_db = migrated(&dir.path().join("unused.db"), Some(&pg_database.url));
    let postgres = postgres_tables(&mut pg_db.get().expect("postgres connection"));
    drop(pg_db);
    assert_same(
        "migrations/postgres",
        &postgres,
        "src/db/schema.rs",
        &schema,
    );
    assert_same(
        "migrations/postgres",
        &postgres,
        "migrations/sqlite",
        &sqlite,
    );
}

#[test]
fn a_column_added_to_one_backends_migrations_only_is_reported() {
    let schema = schema_rs();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = migrated(&dir.path().join("drift.db"), None);
    let mut conn = db.get().expect("sqlite connection");
    let DbConnection::Sqlite(inner) = &mut *conn else {
        panic!("expected SQLite")
    };
    diesel::sql_query("ALTER TABLE employees ADD COLUMN nickname TEXT")
        .execute(inner)
        .expect("add a column");
    diesel::sql_query("ALTER TABLE users DROP COLUMN last_login_at")
        .execute(inner)
        .expect("drop a column");
    let drifted = sqlite_tables(&mut conn);

    let diff = differences("migrations/sqlite", &drifted, "src/db/schema.rs", &schema);
    assert_eq!(
        diff,
        vec![
            "employees.nickname (text NULL): in migrations/sqlite, not in src/db/schema.rs",
            "users.last_login_at (timestamp NULL): in src/db/schema.rs, not in migrations/sqlite",
        ]
    );
}

#[test]
fn a_column_type_or_nullability_that_differs_is_reported() {
    let source = "diesel::table! {\n    t (id) {\n        id -> Int8,\n        note -> Nullable<Text>,\n    }\n}\n";
    let mut other = diesel_tables(source);
    let columns = other.get_mut("t").expect("table t");
    columns.insert(
        "id".into(),
        Column {
            ty: "integer".into(),
            nullable: false,
        },
    );
    columns.insert(
        "note".into(),
        Column {
            ty: "text".into(),
            nullable: false,
        },
    );

    let diff = differences("a", &diesel_tables(source), "b", &other);
    assert_eq!(
        diff,
        vec![
            "t.id: bigint NOT NULL in a, integer NOT NULL in b",
            "t.note: text NULL in a, text NOT NULL in b",
        ]
    );
}
