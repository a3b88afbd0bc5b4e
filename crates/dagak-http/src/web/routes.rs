//! The route table every area builds its pages and API with.

/// An HTTP method a route answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    Post,
    Put,
    Delete,
}

impl Verb {
    /// As the OpenAPI document writes it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Post => "post",
            Verb::Put => "put",
            Verb::Delete => "delete",
        }
    }
}

/// The router of an area's pages or API, built together with the list of its routes (an axum
/// router cannot list its routes): the OpenAPI document is checked against the API's, and a test
/// asks every route without signing in.
pub(crate) struct Routes {
    router: axum::Router<crate::AppState>,
    table: Vec<(Verb, &'static str)>,
}

impl Routes {
    pub(crate) fn new() -> Routes {
        Routes { router: axum::Router::new(), table: Vec::new() }
    }

    /// Serves `verb` at `path` with `handler`.
    pub(crate) fn route<H, T>(mut self, verb: Verb, path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, crate::AppState>,
        T: 'static,
    {
        use axum::routing::{delete, get, post, put};
        let method_router = match verb {
            Verb::Get => get(handler),
            Verb::Post => post(handler),
            Verb::Put => put(handler),
            Verb::Delete => delete(handler),
        };
        self.router = self.router.route(path, method_router);
        self.table.push((verb, path));
        self
    }

    pub(crate) fn get<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, crate::AppState>,
        T: 'static,
    {
        self.route(Verb::Get, path, handler)
    }

    pub(crate) fn post<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, crate::AppState>,
        T: 'static,
    {
        self.route(Verb::Post, path, handler)
    }

    pub(crate) fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    pub(crate) fn table(&self) -> &[(Verb, &'static str)] {
        &self.table
    }

    pub(crate) fn into_router(self) -> axum::Router<crate::AppState> {
        self.router
    }
}
