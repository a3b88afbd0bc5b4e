//! A small pool of read-only SQLite connections, opened on demand.

use std::ops::Deref;
use std::sync::{Condvar, Mutex};

use rusqlite::Connection;

pub(crate) struct Pool {
    max: usize,
    state: Mutex<State>,
    returned: Condvar,
}

struct State {
    idle: Vec<Connection>,
    open: usize,
}

/// A connection lent by the pool; it goes back when dropped.
pub(crate) struct Lease<'a> {
    pool: &'a Pool,
    conn: Option<Connection>,
}

impl Pool {
    pub(crate) fn new(max: usize) -> Pool {
        Pool {
            max,
            state: Mutex::new(State { idle: Vec::new(), open: 0 }),
            returned: Condvar::new(),
        }
    }

    /// Lends an idle connection without waiting, if one is idle.
    pub(crate) fn try_get(&self) -> Option<Lease<'_>> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.idle.pop().map(|conn| Lease { pool: self, conn: Some(conn) })
    }

    /// Lends an idle connection, opens one with `open` while fewer than `max` exist, or waits.
    pub(crate) fn get(
        &self,
        open: impl FnOnce() -> rusqlite::Result<Connection>,
    ) -> rusqlite::Result<Lease<'_>> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(Lease { pool: self, conn: Some(conn) });
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return match open() {
                    Ok(conn) => Ok(Lease { pool: self, conn: Some(conn) }),
                    Err(err) => {
                        self.state.lock().unwrap_or_else(|e| e.into_inner()).open -= 1;
                        Err(err)
                    }
                };
            }
            state = self.returned.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl Deref for Lease<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // The connection is only taken out in `drop`.
        self.conn.as_ref().unwrap_or_else(|| unreachable!("lease used after drop"))
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut state = self.pool.state.lock().unwrap_or_else(|e| e.into_inner());
            state.idle.push(conn);
            self.pool.returned.notify_one();
        }
    }
}
