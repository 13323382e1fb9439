//! Concurrent requests of one employee must never overdraw a balance together.
//! Tier 1 runs this on SQLite and on PostgreSQL (where the actor's threads and
//! the pool's connections really write at once, serialized per employee by an
//! advisory lock).

use super::*;

#[actix_web::test]
async fn concurrent_requests_never_overdraw_a_balance() {
    let app = spawn_app().await;
    for round in 0..4 {
        let emp = employee(&app, None).await;
        let (_, token) = app.account("employee", Some(&emp)).await;
        // Six requests of 4 days each (Monday to Thursday of six different weeks)
        // against 20 days: at most five can fit.
        let weeks = [
            "2028-02-07",
            "2028-02-14",
            "2028-02-21",
            "2028-02-28",
            "2028-03-06",
            "2028-03-13",
        ];
        let bodies: Vec<Value> = weeks
            .iter()
            .map(|monday| {
                let start = chrono::NaiveDate::parse_from_str(monday, "%Y-%m-%d").unwrap();
                let end = start + chrono::Duration::days(3);
                annual(&start.to_string(), &end.to_string())
            })
            .collect();
        let replies =
            futures::future::join_all(bodies.iter().map(|b| request(&app, &token, b.clone())))
                .await;
        let created = replies.iter().filter(|r| r.status.as_u16() == 201).count();
        assert_eq!(created, 5, "round {round}: {replies:#?}");
        for r in replies.iter().filter(|r| r.status.as_u16() != 201) {
            assert_error(r, 422, "insufficient_balance");
        }
        let b = annual_balance(&app, &emp, 2028, None).await;
        assert_balance(&b, 20.0, 0.0, 20.0, 0.0, &format!("round {round}"));
    }
}
