//! Employees survive a restart of the service on the same SQLite file.

use super::*;

#[actix_web::test]
async fn employees_survive_a_restart() {
    if std::env::var_os("HRMS_TEST_DATABASE_URL").is_some() {
        // Each PostgreSQL test app gets a fresh database; this test is about the
        // SQLite file.
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("restart.db");
    let path = path.to_str().expect("utf-8 path");

    let first = spawn_app_with(&[("HRMS_SQLITE_PATH", path)]).await;
    let ada = create_named(
        &first,
        "Ada",
        json!({ "email": "ada@x.com", "department": "Eng" }),
    )
    .await;
    first.handle.stop(true).await;
    drop(first);

    let second = spawn_app_with(&[("HRMS_SQLITE_PATH", path)]).await;
    let r = get(&second, &employee_path(&ada["id"])).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body, ada);
    // The unique e-mail survives too.
    assert_create_rejected(
        &second,
        json!({ "name": "Eve", "age": 30, "email": "ada@x.com" }),
        409,
        "email_taken",
    )
    .await;
}
