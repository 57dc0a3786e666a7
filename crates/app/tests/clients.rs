//! Suppliers' client lists on SQLite and PostgreSQL: imported whole or as
//! changes, refused whole with every bad line named, never stored in clear, and
//! reachable only by whom the rights table lets.

mod world;

use domain::authz::{Organisation, UserRole};
use domain::codes;
use portvagt_app::{AppError, ClientListMode};
use store::log::LogQuery;
use world::*;

const LIST: &str = "national_id;from;to\n010190-1234;2026-01-01;\n020290-2345;2026-02-01;2026-03-31\n030390-3456;2026-12-01;\n";

store::backend_tests! {
    /// A whole list, then a changed one: the counts say what changed, the relations
    /// answer "client on that day?", and the log holds the counts but no CPR number.
    async fn a_client_list_is_replaced_and_updated_with_the_difference_audited(b: TestBackend) {
        // REQ: X-11
        let w = world(b, "viborg", "2026-05-04T08:00:00Z", "2027-06-30").await;
        let sc = w.coordinator();
        let c = w.app.import_client_list(&sc, w.supplier, LIST.as_bytes(), true, ClientListMode::Replace).await.unwrap();
        assert_eq!((c.total, c.added, c.removed, c.changed), (3, 3, 0, 0));
        assert!(w.app.is_client(w.supplier, "0101901234", date("2026-05-04")).await.unwrap());
        assert!(!w.app.is_client(w.supplier, "020290-2345", date("2026-05-04")).await.unwrap(), "ended in March");
        assert!(w.app.is_client(w.supplier, "020290-2345", date("2026-03-31")).await.unwrap(), "the last day counts");
        assert!(!w.app.is_client(w.supplier, "030390-3456", date("2026-05-04")).await.unwrap(), "not begun yet");

        // The second list drops one client, ends another and adds a third.
        let second = "national_id,from,to\n010190-1234,2026-01-01,2026-06-30\n040490-4567,2026-05-01,\n";
        let c = w.app.import_client_list(&sc, w.supplier, second.as_bytes(), true, ClientListMode::Replace).await.unwrap();
        assert_eq!((c.total, c.added, c.removed, c.changed, c.unchanged), (2, 1, 2, 1, 0));
        // Changes only: one more client, the rest kept.
        let change = "{\"national_id\": \"050590-5678\", \"from\": \"2026-05-01\"}\n";
        let c = w.app.import_client_list(&sc, w.supplier, change.as_bytes(), false, ClientListMode::Update).await.unwrap();
        assert_eq!((c.total, c.added, c.removed), (1, 1, 0));
        let summary = w.app.client_list(&sc, w.supplier).await.unwrap();
        assert_eq!((summary.current, summary.kept, summary.imports.len()), (3, 3, 3));
        assert_eq!(summary.imports[0].mode, "update", "newest first");

        // The log: three imports with their counts, and no identifier anywhere in them.
        let q = LogQuery { key: Some("o:client_list.import".into()), limit: 10, ..Default::default() };
        let page = w.app.store().query_log(&q).await.unwrap();
        assert_eq!(page.entries.len(), 3);
        assert_eq!(page.entries[1].body.details["removed"], 2);
        for e in &page.entries {
            let text = String::from_utf8(e.body.to_bytes()).unwrap();
            assert!(!text.contains("010190") && !text.contains("0101901234"), "no CPR number in the log: {text}");
        }
    }

    /// A bad line, another supplier's list, the same file twice: each refused with a
    /// clear error, and nothing stored.
    async fn bad_client_lists_are_refused_whole_and_store_nothing(b: TestBackend) {
        // REQ: X-11
        let w = world(b, "viborg", "2026-05-04T08:00:00Z", "2027-06-30").await;
        let sc = w.coordinator();
        let bad = "national_id;from;to\n010190-1234;2026-01-01;\n310299-1234;2026-01-01;\n020290-2345;2026-13-01;\n";
        let Err(AppError::BatchInvalid(lines)) = w.app.import_client_list(&sc, w.supplier, bad.as_bytes(), true, ClientListMode::Replace).await
        else {
            panic!("a bad line refuses the file")
        };
        let named: Vec<(usize, &str)> = lines.iter().map(|l| (l.line, l.code)).collect();
        assert_eq!(named, vec![(3, codes::LINE_NATIONAL_ID), (4, codes::LINE_DATE)]);
        assert!(!w.app.is_client(w.supplier, "010190-1234", date("2026-05-04")).await.unwrap(), "not even the good line");

        // A list naming another supplier's CVR number.
        let other = "national_id;from;to;supplier\n010190-1234;2026-01-01;;55133018\n";
        let Err(AppError::BatchInvalid(lines)) = w.app.import_client_list(&sc, w.supplier, other.as_bytes(), true, ClientListMode::Replace).await
        else {
            panic!("another supplier's list is refused")
        };
        assert_eq!((lines[0].field.as_str(), lines[0].code), ("supplier", codes::LINE_OTHER_SUPPLIER));

        // The same file as the last import.
        w.app.import_client_list(&sc, w.supplier, LIST.as_bytes(), true, ClientListMode::Replace).await.unwrap();
        let again = w.app.import_client_list(&sc, w.supplier, LIST.as_bytes(), true, ClientListMode::Replace).await;
        assert!(matches!(again, Err(AppError::Conflict(ref e)) if e.code == codes::CLIENT_LIST_SAME_FILE), "{again:?}");
        assert_eq!(w.app.client_list(&sc, w.supplier).await.unwrap().imports.len(), 1, "the refused imports left no trace");
    }

    /// A supplier sees its own list only; nobody but the coordinator and the care
    /// system imports one.
    async fn a_supplier_reaches_only_its_own_client_list(b: TestBackend) {
        // REQ: X-11, AUTH-4
        let w = world(b, "viborg", "2026-05-04T08:00:00Z", "2027-06-30").await;
        let sc = w.coordinator();
        w.app.import_client_list(&sc, w.supplier, LIST.as_bytes(), true, ClientListMode::Replace).await.unwrap();
        assert_eq!(w.app.client_list(&w.orderer, w.supplier).await.unwrap().current, 1);
        let other = w.app.list::<domain::registry::Supplier>(&sc, &Default::default(), domain::paging::PageRequest { page: 1, page_size: 10 }).await.unwrap();
        let other = other.items.iter().find(|s| s.id != w.supplier).unwrap().id;
        assert!(matches!(w.app.client_list(&w.orderer, other).await, Err(AppError::NotFound)), "another supplier's list does not exist for it");
        let refused = w.app.import_client_list(&w.orderer, w.supplier, LIST.as_bytes(), true, ClientListMode::Replace).await;
        assert!(matches!(refused, Err(AppError::Forbidden)), "an orderer does not import: {refused:?}");
        let head = actor(UserRole::DepartmentHead, Organisation::Municipality, Some(w.care), None);
        assert!(matches!(w.app.client_list(&head, w.supplier).await, Err(AppError::Forbidden)));
    }
}
