//! Concurrent requests: races on the unique e-mail, patches, manager loops and
//! termination.

use super::*;

/// How often each race is tried; the actor runs several threads and the pool
/// several connections, so these requests really overlap.
const RACE_ROUNDS: usize = 15;

#[actix_web::test]
async fn concurrent_creates_with_the_same_email_give_one_201_and_the_rest_409() {
    let app = spawn_app().await;
    for round in 0..RACE_ROUNDS {
        let email = format!("race{round}@x.com");
        let bodies: Vec<Value> = (0..4)
            .map(|i| json!({ "name": format!("Racer {i}"), "age": 30, "email": email }))
            .collect();
        let replies =
            futures::future::join_all(bodies.iter().map(|b| post(&app, EMPLOYEES, b))).await;
        let created = replies.iter().filter(|r| r.status.as_u16() == 201).count();
        assert_eq!(created, 1, "round {round}: {replies:#?}");
        for r in replies.iter().filter(|r| r.status.as_u16() != 201) {
            assert_error(r, 409, "email_taken");
        }
    }
    let list = get(&app, &format!("{EMPLOYEES}?limit=200")).await;
    assert_eq!(list.body["total"], RACE_ROUNDS);
    assert_eq!(
        app.outbox().len(),
        RACE_ROUNDS,
        "one audit row per created employee"
    );
}

#[actix_web::test]
async fn concurrent_patches_of_different_fields_are_both_kept() {
    let app = spawn_app().await;
    for round in 0..RACE_ROUNDS {
        let e = create_named(&app, &format!("E{round}"), json!({})).await;
        let path = employee_path(&e["id"]);
        let (age, department) = (json!({ "age": 41 }), json!({ "department": "Ops" }));
        let (a, b) = futures::join!(patch(&app, &path, &age), patch(&app, &path, &department));
        assert_eq!(a.status.as_u16(), 200, "{}", a.raw);
        assert_eq!(b.status.as_u16(), 200, "{}", b.raw);
        let now = get(&app, &path).await.body;
        assert_eq!(
            now["age"], 41,
            "round {round}: the age change was lost: {now}"
        );
        assert_eq!(
            now["department"], "Ops",
            "round {round}: the department change was lost: {now}"
        );
    }
}

#[actix_web::test]
async fn crossing_manager_assignments_made_at_once_cannot_form_a_loop() {
    let app = spawn_app().await;
    for round in 0..RACE_ROUNDS {
        let a = create_named(&app, &format!("A{round}"), json!({})).await;
        let b = create_named(&app, &format!("B{round}"), json!({})).await;
        let (path_a, path_b) = (employee_path(&a["id"]), employee_path(&b["id"]));
        let (to_b, to_a) = (
            json!({ "manager_id": b["id"] }),
            json!({ "manager_id": a["id"] }),
        );
        let (ra, rb) = futures::join!(patch(&app, &path_a, &to_b), patch(&app, &path_b, &to_a));
        let ok = [&ra, &rb]
            .iter()
            .filter(|r| r.status.as_u16() == 200)
            .count();
        assert_eq!(
            ok, 1,
            "round {round}: exactly one assignment may win: {ra:#?} {rb:#?}"
        );
        let loser = if ra.status.as_u16() == 200 { &rb } else { &ra };
        assert_error(loser, 422, "manager_cycle");
    }
}

#[actix_web::test]
async fn terminating_an_employee_twice_at_once_succeeds_once() {
    let app = spawn_app().await;
    for round in 0..RACE_ROUNDS {
        let e = create_named(&app, &format!("E{round}"), json!({})).await;
        let path = employee_path(&e["id"]);
        let rows_before = app.outbox().len();
        let (a, b) = futures::join!(delete(&app, &path), delete(&app, &path));
        let ok = [&a, &b].iter().filter(|r| r.status.as_u16() == 200).count();
        assert_eq!(ok, 1, "round {round}: {a:#?} {b:#?}");
        let loser = if a.status.as_u16() == 200 { &b } else { &a };
        assert_error(loser, 409, "already_terminated");
        assert_eq!(
            app.outbox().len(),
            rows_before + 1,
            "round {round}: one termination, one audit row"
        );
    }
}
