//! The contract of import previews ([`PreviewStore`]): a preview comes back once, with its
//! files byte for byte, and expired previews are removed.

use dagak_store::{PreviewFile, PreviewStore, StoredPreview};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

fn preview(token: &str, created_at: OffsetDateTime, minutes: i64) -> StoredPreview {
    StoredPreview {
        token: token.into(),
        created_by: None,
        created_at,
        expires_at: created_at + Duration::minutes(minutes),
        on_match: "skip".into(),
        files: vec![
            PreviewFile {
                name: "기관.csv".into(),
                sha256: "ab".repeat(32),
                bytes: vec![0, 0xEF, 1],
            },
            PreviewFile {
                name: "people.xlsx".into(),
                sha256: "cd".repeat(32),
                bytes: vec![7; 70_000],
            },
        ],
    }
}

/// Runs the preview contract on a migrated store.
pub async fn preview_contract<S: PreviewStore>(store: &S) {
    let noon = datetime!(2026-11-24 12:00 UTC);
    let first = preview("a1", noon, 60);
    store.save_import_preview(&first).await.unwrap();
    assert_eq!(store.take_import_preview("a1").await.unwrap(), Some(first.clone()), "as saved");
    assert_eq!(store.take_import_preview("a1").await.unwrap(), None, "taken once");
    assert_eq!(store.take_import_preview("nope").await.unwrap(), None);

    // Taking returns an expired preview too: the service says it expired.
    store.save_import_preview(&preview("b2", noon, 10)).await.unwrap();
    let late = store.take_import_preview("b2").await.unwrap().unwrap();
    assert_eq!(late.expires_at, noon + Duration::minutes(10));

    // Saving removes what expired by then; removing counts what it removed.
    store.save_import_preview(&preview("c3", noon, 10)).await.unwrap();
    store.save_import_preview(&preview("d4", noon, 120)).await.unwrap();
    store.save_import_preview(&preview("e5", noon + Duration::minutes(30), 60)).await.unwrap();
    assert_eq!(store.take_import_preview("c3").await.unwrap(), None, "expired at 12:10");
    assert_eq!(
        store.remove_expired_import_previews(noon + Duration::minutes(100)).await.unwrap(),
        1
    );
    assert_eq!(store.take_import_preview("e5").await.unwrap(), None, "expired at 13:30");
    assert!(store.take_import_preview("d4").await.unwrap().is_some(), "valid until 14:00");

    // A preview that expires before it is made is refused.
    assert!(store.save_import_preview(&preview("f6", noon, 0)).await.is_err());
    assert_eq!(store.take_import_preview("f6").await.unwrap(), None);
}
