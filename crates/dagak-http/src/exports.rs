//! Exports: the directory as CSV (one list) or XLSX (both), from the import page's links and from
//! `/api/v1/exports/…`, in the columns the import reads.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use dagak_service::{ExportFile, ExportFormat, ExportList};

use crate::accounts::auth::Using;
use crate::web::routes::{Routes, Verb};
use crate::web::{PageResult, fail};
use crate::{ApiError, Tr};

/// The three downloads: path, list and format.
const DOWNLOADS: [(&str, &str, ExportList, ExportFormat); 3] = [
    (
        "/export/organizations.csv",
        "/exports/organizations.csv",
        ExportList::Organizations,
        ExportFormat::Csv,
    ),
    ("/export/people.csv", "/exports/people.csv", ExportList::People, ExportFormat::Csv),
    (
        "/export/directory.xlsx",
        "/exports/directory.xlsx",
        ExportList::Organizations,
        ExportFormat::Xlsx,
    ),
];

/// `/export/…` on the pages (errors as pages).
pub(crate) fn pages() -> Routes {
    DOWNLOADS.into_iter().fold(Routes::new(), |routes, (page, _, list, format)| {
        routes.get(page, move |Using(app): Using, t: Tr| async move {
            let file = app.export(list, format).await.map_err(fail(t))?;
            PageResult::Ok(download(file))
        })
    })
}

/// `/api/v1/exports/…` (errors as JSON).
pub(crate) fn api() -> Routes {
    DOWNLOADS.into_iter().fold(Routes::new(), |routes, (_, api, list, format)| {
        routes.route(Verb::Get, api, move |Using(app): Using| async move {
            let file = app.export(list, format).await?;
            Result::<Response, ApiError>::Ok(download(file))
        })
    })
}

/// The file as an attachment under the name the service gave it.
pub(crate) fn download(file: ExportFile) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    (
        [
            (header::CONTENT_TYPE, file.format.media_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file.bytes,
    )
        .into_response()
}
