//! Creating an employee (`POST /api/v1/employees`): the 201 with the record and
//! its location, old client bodies, e-mail normalisation, the request id.

use super::*;

#[actix_web::test]
async fn creating_an_employee_returns_201_with_the_record_and_its_location() {
    let app = spawn_app().await;
    let manager = create_named(&app, "Grace Hopper", json!({})).await;

    let url = format!("{}{EMPLOYEES}", app.address);
    let mut resp = http_client(&app)
        .post(url)
        .send_json(&json!({
            "name": "  Ada Lovelace ",
            "age": 36,
            "email": "ada@example.com",
            "department": "Engineering",
            "position": "Analyst",
            "manager_id": manager["id"],
            "hire_date": "2020-02-03",
            "status": "on_leave",
        }))
        .await
        .expect("request sent");
    assert_eq!(resp.status().as_u16(), 201);
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .expect("Location header");
    let body: Value = resp.json().await.expect("JSON body");

    let id = body["id"].as_str().expect("id");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "id is not a UUID: {id}");
    assert_eq!(location, format!("{EMPLOYEES}/{id}"));
    assert_eq!(body["name"], "Ada Lovelace", "the name is trimmed");
    assert_eq!(body["age"], 36);
    assert_eq!(body["email"], "ada@example.com");
    assert_eq!(body["department"], "Engineering");
    assert_eq!(body["position"], "Analyst");
    assert_eq!(body["manager_id"], manager["id"]);
    assert_eq!(body["hire_date"], "2020-02-03");
    assert_eq!(body["status"], "on_leave");
    assert_eq!(body["termination_date"], Value::Null);
    assert!(body["created_at"].is_string());
    assert_eq!(body["created_at"], body["updated_at"]);

    let fetched = get(&app, &location).await;
    assert_eq!(fetched.status.as_u16(), 200);
    assert_eq!(
        fetched.body, body,
        "the Location points at the created record"
    );
}

#[actix_web::test]
async fn an_old_client_body_with_only_name_and_age_still_creates_an_employee() {
    let app = spawn_app().await;
    let before = today();
    let r = post(&app, EMPLOYEES, &json!({ "name": "Ada", "age": 36 })).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    assert_eq!(r.body["name"], "Ada");
    assert_eq!(r.body["age"], 36);
    assert_eq!(r.body["email"], Value::Null);
    assert_eq!(r.body["department"], Value::Null);
    assert_eq!(r.body["position"], Value::Null);
    assert_eq!(r.body["manager_id"], Value::Null);
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["termination_date"], Value::Null);
    assert_is_today(&r.body["hire_date"], before);
}

#[actix_web::test]
async fn the_email_is_stored_trimmed_and_lower_cased() {
    let app = spawn_app().await;
    let created = create_named(
        &app,
        "Ada",
        json!({ "email": " Ada.Lovelace@Example.COM " }),
    )
    .await;
    assert_eq!(created["email"], "ada.lovelace@example.com");
    let fetched = get(&app, &employee_path(&created["id"])).await;
    assert_eq!(fetched.body["email"], "ada.lovelace@example.com");
}

#[actix_web::test]
async fn a_request_id_sent_by_the_client_is_echoed_back() {
    let app = spawn_app().await;
    let client = http_client(&app);

    let resp = client
        .post(format!("{}{EMPLOYEES}", app.address))
        .insert_header(("x-request-id", "client-req-42"))
        .send_json(&json!({ "name": "Ada", "age": 36 }))
        .await
        .expect("request sent");
    assert_eq!(resp.status().as_u16(), 201);
    assert_eq!(resp.headers().get("x-request-id").unwrap(), "client-req-42");

    // Also on an error response.
    let resp = client
        .get(format!("{}{EMPLOYEES}/not-a-uuid", app.address))
        .insert_header(("x-request-id", "client-req-43"))
        .send()
        .await
        .expect("request sent");
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(resp.headers().get("x-request-id").unwrap(), "client-req-43");
}

#[actix_web::test]
async fn a_request_id_is_generated_when_the_client_sends_none_or_an_unusable_one() {
    let app = spawn_app().await;
    let first = post(&app, EMPLOYEES, &json!({ "name": "Ada", "age": 36 })).await;
    let second = get(&app, &format!("{EMPLOYEES}/{}", uuid::Uuid::nil())).await;
    let a = first.request_id.expect("a request id on a success");
    let b = second.request_id.expect("a request id on an error");
    assert!(!a.is_empty() && !b.is_empty());
    assert_ne!(a, b, "each request gets its own id");

    let resp = http_client(&app)
        .get(format!("{}/health/live", app.address))
        .insert_header(("x-request-id", "has a space"))
        .send()
        .await
        .expect("request sent");
    let echoed = resp
        .headers()
        .get("x-request-id")
        .expect("request id")
        .to_str()
        .unwrap();
    assert!(!echoed.is_empty());
    assert_ne!(echoed, "has a space", "an unusable id is replaced");
}
