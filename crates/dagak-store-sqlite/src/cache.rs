//! What list queries derive from the database, kept between requests until the next write.
//!
//! Every write transaction bumps the counter in `store_generation` (migration 0004), including
//! writes by another dagak process on the same file (a CLI import next to `dagak serve`). A read
//! transaction reads the counter first, so the value names the snapshot it sees: anything cached
//! under that value is exactly what a query on the snapshot would compute. Each write also lists
//! the organisations and people it touched in `store_changes` (migration 0005). When the counter
//! moves, the sort orders move only those rows to their new places, and each condition set is
//! marked stale with those ids: the next reader that needs it re-reads just them. Combinations
//! and facets are dropped. A bulk write, or a gap in the log, drops everything.
//!
//! Over 600 lines because the generation check, the patching of sort orders and the lazy refresh
//! of condition sets share one lock and one set of invariants; split, each half would need the
//! other's internals.
//!
//! Two things are kept:
//! - the id set of one filter condition (a tag, a country, an FTS5 word…), so a filter used again
//!   costs an intersection in memory instead of an index read;
//! - a table's ids in one sort order with each id's rank, so a page of any set of matches is found
//!   by selecting the smallest ranks (linear time) instead of sorting rows in SQL, and the
//!   unfiltered list reads its page and count from memory at any depth.
//!
//! A read on an older snapshot than the cache (a write committed while it ran) neither uses nor
//! fills the cache: it computes what it needs on its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::Connection;

use crate::idset::SetCondition;
use crate::map_err;
use dagak_store::StoreError;

/// At most this many ids are kept in condition sets in all (8 bytes each): 32 MB.
const MAX_CACHED_IDS: usize = 4_000_000;
/// At most this many condition sets are kept.
const MAX_CACHED_SETS: usize = 1024;
/// Above this many changed rows the caches are rebuilt rather than patched: each changed row
/// costs a binary search of point reads in every sort order, under the cache's lock, while a
/// rebuild reads each order once, outside it.
pub(crate) const MAX_PATCHED_ROWS: usize = 100;

#[derive(Default)]
pub(crate) struct ReadCache {
    state: Mutex<State>,
    /// A hint, not a guarantee: no write by this process since a read found the cache current.
    /// (A write by another process is only seen by the next read.)
    warm: AtomicBool,
}

#[derive(Default)]
struct State {
    generation: i64,
    /// Condition sets and their combinations, each computed once like the orders.
    sets: HashMap<String, Slot<Arc<Vec<i64>>>>,
    /// The condition of each single-condition set, to patch it after a write.
    conditions: HashMap<String, SetCondition>,
    /// Sets of an earlier generation not asked for since, with the ids written since: the next
    /// reader that needs one re-reads only those ids (`idset::ids_among`).
    stale: HashMap<String, Stale>,
    set_ids: usize,
    /// Built once per generation: the first reader that needs an order builds it while the
    /// others wait for it, instead of every reader reading the same whole index at once.
    /// (`None`: building it failed; it is removed, and readers waiting for it read it themselves.)
    /// Keyed by the sort's `all_ids` query.
    orders: Orders,
    facets: Option<Arc<Facets>>,
}

impl State {
    /// Forgets every condition set, fresh or stale (the bounds were reached).
    fn clear_sets(&mut self) {
        self.sets.clear();
        self.conditions.clear();
        self.stale.clear();
        self.set_ids = 0;
    }
}

/// Sort orders by their `all_ids` query, each built once (see `State::orders`).
type Orders = HashMap<&'static str, Slot<Arc<Order>>>;

/// A value computed once: the first reader that needs it computes it while the others wait.
/// (`None`: computing it failed; the slot is removed, and the readers waiting compute it
/// themselves.)
type Slot<T> = Arc<OnceLock<Option<T>>>;

/// The industry tags and cities in use, for filter menus.
pub(crate) type Facets = (Vec<String>, Vec<String>);

/// The cache as one read transaction sees it: only entries of its own generation.
pub(crate) struct View<'a> {
    cache: &'a ReadCache,
    generation: i64,
}

impl ReadCache {
    /// The view of a read transaction on `conn` that has just read `generation` from
    /// `store_generation`.
    pub(crate) fn view(&self, conn: &Connection, generation: i64) -> View<'_> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if generation > state.generation {
            *state = patched(conn, &state, generation)
                .unwrap_or_else(|| State { generation, ..State::default() });
        }
        if generation == state.generation
            && state.orders.values().any(|o| o.get().is_some_and(Option::is_some))
        {
            self.warm.store(true, Ordering::Relaxed);
        }
        View { cache: self, generation }
    }

    /// Whether list queries will most likely find what they need here.
    pub(crate) fn is_warm(&self) -> bool {
        self.warm.load(Ordering::Relaxed)
    }

    /// Called after this process committed a write.
    pub(crate) fn written(&self) {
        self.warm.store(false, Ordering::Relaxed);
    }
}

/// A set of an earlier generation and the ids of its entity written since.
#[derive(Clone)]
struct Stale {
    ids: Arc<Vec<i64>>,
    touched: Vec<i64>,
}

/// The value in a slot, if computed.
fn built<T: Clone>(slot: &Slot<T>) -> Option<T> {
    slot.get().cloned().flatten()
}

/// `state` moved to `generation`: sort orders and single-condition sets patched for the rows
/// the writes in between touched, combinations and facets dropped. `None` when nothing can be
/// carried over (nothing cached, a bulk write, or a gap in the log).
fn patched(conn: &Connection, state: &State, generation: i64) -> Option<State> {
    let orders: Vec<(&'static str, Arc<Order>)> =
        state.orders.iter().filter_map(|(sql, slot)| Some((*sql, built(slot)?))).collect();
    // Each set with the ids already known to be stale in it (none if built this generation).
    let sets: Vec<(&String, &SetCondition, Stale)> = state
        .conditions
        .iter()
        .filter_map(|(key, condition)| {
            let current = state.sets.get(key).and_then(built);
            let stale = match current {
                Some(ids) => Stale { ids, touched: Vec::new() },
                None => state.stale.get(key)?.clone(),
            };
            Some((key, condition, stale))
        })
        .collect();
    if orders.is_empty() && sets.is_empty() {
        return None;
    }
    // The log must reach back to the cached generation (old entries are pruned).
    let oldest: Option<i64> = conn
        .prepare_cached("SELECT MIN(generation) FROM store_changes")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .ok()?;
    if oldest.is_none_or(|oldest| oldest > state.generation + 1) {
        return None;
    }
    let mut stmt = conn
        .prepare_cached(
            "SELECT entity, id FROM store_changes WHERE generation > ?1 AND generation <= ?2 LIMIT ?3",
        )
        .ok()?;
    let changes = stmt
        .query_map(
            rusqlite::params![state.generation, generation, MAX_PATCHED_ROWS as i64 + 1],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
        )
        .ok()?
        .collect::<rusqlite::Result<Vec<(String, i64)>>>()
        .ok()?;
    if changes.len() > MAX_PATCHED_ROWS || changes.iter().any(|(entity, _)| entity == "*") {
        return None;
    }
    let changed_of = |entity: &str| -> Vec<i64> {
        let mut ids: Vec<i64> =
            changes.iter().filter(|(e, _)| e == entity).map(|(_, id)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let changed: HashMap<&str, Vec<i64>> =
        ["organization", "person"].into_iter().map(|e| (e, changed_of(e))).collect();
    let mut next = State { generation, ..State::default() };
    for (sql, order) in orders {
        let ids = changed.get(order.sorting.entity).map_or(&[][..], Vec::as_slice);
        let order = if ids.is_empty() { order } else { Arc::new(order.patched(conn, ids).ok()?) };
        next.orders.insert(sql, Arc::new(OnceLock::from(Some(order))));
    }
    for (key, condition, mut stale) in sets {
        // The same bounds as when the sets were made (see `shared_set`).
        if next.conditions.len() >= MAX_CACHED_SETS
            || next.set_ids + stale.ids.len() > MAX_CACHED_IDS
        {
            continue;
        }
        next.set_ids += stale.ids.len();
        let touched = changed.get(condition.entity).map_or(&[][..], Vec::as_slice);
        if stale.touched.is_empty() && touched.is_empty() {
            next.sets.insert(key.clone(), Arc::new(OnceLock::from(Some(stale.ids))));
        } else {
            stale.touched.extend_from_slice(touched);
            stale.touched.sort_unstable();
            stale.touched.dedup();
            if stale.touched.len() > MAX_PATCHED_ROWS {
                next.set_ids -= stale.ids.len();
                continue;
            }
            next.stale.insert(key.clone(), stale);
        }
        next.conditions.insert(key.clone(), condition.clone());
    }
    Some(next)
}

impl View<'_> {
    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> Option<T> {
        let mut state = self.cache.state.lock().unwrap_or_else(|e| e.into_inner());
        (state.generation == self.generation).then(|| f(&mut state))
    }

    /// The set kept under `key`, computed by `compute` unless another reader has or is doing it.
    fn shared_set(
        &self,
        key: String,
        compute: impl Fn() -> Result<Vec<i64>, StoreError>,
    ) -> Result<Arc<Vec<i64>>, StoreError> {
        let slot = self.with_state(|s| {
            // `conditions` counts single sets, fresh or stale; combinations count in `sets`.
            if s.sets.len().max(s.conditions.len()) >= MAX_CACHED_SETS && !s.sets.contains_key(&key)
            {
                s.clear_sets();
            }
            s.sets.entry(key.clone()).or_default().clone()
        });
        let Some(slot) = slot else {
            // An older snapshot than the cache: compute without keeping.
            return compute().map(Arc::new);
        };
        let mut outcome: Option<Result<usize, StoreError>> = None;
        let ids = slot.get_or_init(|| match compute() {
            Ok(ids) => {
                outcome = Some(Ok(ids.len()));
                Some(Arc::new(ids))
            }
            Err(err) => {
                outcome = Some(Err(err));
                None
            }
        });
        match (ids, outcome) {
            (Some(ids), Some(Ok(len))) => {
                let ids = ids.clone();
                self.with_state(|s| {
                    s.set_ids += len;
                    // A stale set just patched is replaced by the fresh one.
                    if let Some(stale) = s.stale.remove(&key) {
                        s.set_ids = s.set_ids.saturating_sub(stale.ids.len());
                    }
                    if s.set_ids > MAX_CACHED_IDS {
                        s.clear_sets();
                    }
                });
                Ok(ids)
            }
            (Some(ids), _) => Ok(ids.clone()),
            (None, Some(Err(err))) => {
                self.with_state(|s| s.sets.remove(&key));
                Err(err)
            }
            (None, _) => compute().map(Arc::new),
        }
    }

    /// The sorted, deduplicated ids that `condition` returns.
    pub(crate) fn set(
        &self,
        conn: &Connection,
        condition: &SetCondition,
    ) -> Result<Arc<Vec<i64>>, StoreError> {
        let key = condition.key();
        self.with_state(|s| {
            if !s.conditions.contains_key(&key) {
                s.conditions.insert(key.clone(), condition.clone());
            }
        });
        let stale = self.with_state(|s| s.stale.get(&key).cloned()).flatten();
        self.shared_set(key, || match &stale {
            // Only the ids written since are read again.
            Some(stale) => {
                let now = crate::idset::ids_among(conn, condition, &stale.touched)?;
                let mut ids: Vec<i64> = stale
                    .ids
                    .iter()
                    .copied()
                    .filter(|id| stale.touched.binary_search(id).is_err())
                    .collect();
                ids.extend(now);
                ids.sort_unstable();
                Ok(ids)
            }
            None => crate::idset::ids_of(conn, condition),
        })
    }

    /// The ids matching every condition, sorted. Combinations are kept too: a filtered list is
    /// mostly paged through or asked again, with the same conditions.
    pub(crate) fn matching_ids(
        &self,
        conn: &Connection,
        conditions: &[SetCondition],
    ) -> Result<Arc<Vec<i64>>, StoreError> {
        if let [condition] = conditions {
            return self.set(conn, condition);
        }
        let mut keys: Vec<String> = conditions.iter().map(SetCondition::key).collect();
        keys.sort();
        self.shared_set(keys.join("\u{2}"), || {
            let mut sets = Vec::with_capacity(conditions.len());
            for condition in conditions {
                let ids = self.set(conn, condition)?;
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                sets.push(ids);
            }
            // Smallest first: each intersection is then at most as long as the smallest set.
            sets.sort_by_key(|s| s.len());
            let mut sets = sets.into_iter();
            let Some(first) = sets.next() else { return Ok(Vec::new()) };
            let mut result: Vec<i64> = first.as_ref().clone();
            for set in sets {
                result = crate::idset::intersect(&result, &set);
                if result.is_empty() {
                    break;
                }
            }
            Ok(result)
        })
    }

    /// A table's ids in one order, with their sort keys.
    fn order(&self, conn: &Connection, sorting: &Sorting) -> Result<Arc<Order>, StoreError> {
        let sql = sorting.all_ids;
        let read = || -> Result<Arc<Order>, StoreError> {
            let mut stmt = conn.prepare_cached(sql).map_err(map_err)?;
            let ids = stmt
                .query_map([], |r| r.get::<_, i64>(0))
                .map_err(map_err)?
                .collect::<rusqlite::Result<Vec<i64>>>()
                .map_err(map_err)?;
            Ok(Arc::new(Order::new(ids, sorting.clone())))
        };
        let Some(slot) = self.with_state(|s| s.orders.entry(sql).or_default().clone()) else {
            // An older snapshot than the cache: compute without keeping.
            return read();
        };
        let mut failed = None;
        let order = slot.get_or_init(|| match read() {
            Ok(order) => Some(order),
            Err(err) => {
                failed = Some(err);
                None
            }
        });
        match (order, failed) {
            (Some(order), _) => Ok(order.clone()),
            (None, Some(err)) => {
                self.with_state(|s| s.orders.remove(sql));
                Err(err)
            }
            (None, None) => read(),
        }
    }
}

/// One sort of a table: the query of every id in that order, and the same order as SQL.
#[derive(Clone)]
pub(crate) struct Sorting {
    /// What `store_changes` calls the table's rows: `organization` or `person`.
    pub entity: &'static str,
    /// Selects every id, in order (read from the index holding the order).
    pub all_ids: &'static str,
    /// Selects the sort key columns of the row with id `?1`, the order being by them and then
    /// by id. They are `TEXT NOT NULL`, compared as bytes as SQLite's `BINARY` collation does.
    pub key_of: &'static str,
    /// Whether the order is by key and id descending rather than ascending.
    pub descending: bool,
    /// The table with its alias, and the `ORDER BY` terms over that alias.
    pub table: &'static str,
    pub order_by: &'static str,
}

/// Up to this many matches are sorted by SQLite when the sort order is not cached yet, rather
/// than reading a whole index to build it (an organisation's people right after a write).
const SORT_IN_SQL: usize = 500;

impl View<'_> {
    /// One page of the rows matching every condition, in `sorting`'s order, and their number.
    pub(crate) fn page(
        &self,
        conn: &Connection,
        sorting: &Sorting,
        conditions: &[SetCondition],
        page: dagak_store::Page,
    ) -> Result<(Vec<i64>, usize), StoreError> {
        let offset = usize::try_from(page.offset).unwrap_or(usize::MAX);
        let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
        if conditions.is_empty() {
            let order = self.order(conn, sorting)?;
            return Ok((order.page(offset, limit), order.len()));
        }
        let ids = self.matching_ids(conn, conditions)?;
        Ok((self.sorted_page(conn, sorting, &ids, offset, limit)?, ids.len()))
    }

    /// One page of the rows matching every condition of `conditions`, those that also match
    /// every condition of `first` before the others (each group in `sorting`'s order), and the
    /// number of rows matching `conditions`.
    pub(crate) fn page_ranked(
        &self,
        conn: &Connection,
        sorting: &Sorting,
        conditions: &[SetCondition],
        first: &[SetCondition],
        page: dagak_store::Page,
    ) -> Result<(Vec<i64>, usize), StoreError> {
        let offset = usize::try_from(page.offset).unwrap_or(usize::MAX);
        let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
        let all = self.matching_ids(conn, conditions)?;
        let top = crate::idset::intersect(&all, &self.matching_ids(conn, first)?);
        let mut out = Vec::new();
        if offset < top.len() {
            out = self.sorted_page(conn, sorting, &top, offset, limit)?;
        }
        let wanted = limit - out.len();
        if wanted > 0 && all.len() > top.len() {
            let rest = crate::idset::difference(&all, &top);
            let skip = offset.saturating_sub(top.len());
            out.extend(self.sorted_page(conn, sorting, &rest, skip, wanted)?);
        }
        Ok((out, all.len()))
    }

    /// One page of `ids` (sorted by id) in `sorting`'s order.
    fn sorted_page(
        &self,
        conn: &Connection,
        sorting: &Sorting,
        ids: &[i64],
        offset: usize,
        limit: usize,
    ) -> Result<Vec<i64>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        if ids.len() <= SORT_IN_SQL && !self.has_order(sorting.all_ids) {
            let Sorting { table, order_by, .. } = sorting;
            let alias = table.rsplit(' ').next().unwrap_or(table);
            let sql = format!(
                "SELECT {alias}.id FROM {table} WHERE {alias}.id IN (SELECT value FROM json_each(?1))
                 ORDER BY {order_by} LIMIT ?2 OFFSET ?3"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(map_err)?;
            let page = stmt
                .query_map(
                    rusqlite::params![
                        crate::idset::json_ids(ids),
                        i64::try_from(limit).unwrap_or(i64::MAX),
                        i64::try_from(offset).unwrap_or(i64::MAX)
                    ],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(map_err)?
                .collect::<rusqlite::Result<Vec<i64>>>()
                .map_err(map_err)?;
            return Ok(page);
        }
        let order = self.order(conn, sorting)?;
        Ok(order.page_of(ids, offset, limit))
    }

    fn has_order(&self, sql: &'static str) -> bool {
        self.with_state(|s| s.orders.get(sql).and_then(|o| o.get()).is_some_and(Option::is_some))
            .unwrap_or(false)
    }

    /// The facets, computed by `compute` once per generation.
    pub(crate) fn facets(
        &self,
        conn: &Connection,
        compute: impl FnOnce(&Connection) -> Result<Facets, StoreError>,
    ) -> Result<Arc<Facets>, StoreError> {
        if let Some(Some(facets)) = self.with_state(|s| s.facets.clone()) {
            return Ok(facets);
        }
        let facets = Arc::new(compute(conn)?);
        self.with_state(|s| s.facets = Some(facets.clone()));
        Ok(facets)
    }
}

/// Ids in one sort order, and the rank of each id.
pub(crate) struct Order {
    ids: Vec<i64>,
    ranks: Ranks,
    sorting: Sorting,
}

enum Ranks {
    /// Rowids are mostly dense: `ranks[id - base]`, `u32::MAX` where no row has that id.
    Dense {
        base: i64,
        ranks: Vec<u32>,
    },
    Sparse(HashMap<i64, u32>),
}

impl Ranks {
    fn new(ids: &[i64]) -> Ranks {
        let (min, max) = (ids.iter().min().copied(), ids.iter().max().copied());
        match (min, max) {
            (Some(min), Some(max))
                if u64::try_from(max - min)
                    .is_ok_and(|span| span < ids.len() as u64 * 4 + 4096) =>
            {
                let span = usize::try_from(max - min).unwrap_or(0) + 1;
                let mut ranks = vec![u32::MAX; span];
                for (rank, id) in ids.iter().enumerate() {
                    ranks[usize::try_from(id - min).unwrap_or(0)] =
                        u32::try_from(rank).unwrap_or(u32::MAX);
                }
                Ranks::Dense { base: min, ranks }
            }
            _ => Ranks::Sparse(
                ids.iter()
                    .enumerate()
                    .map(|(rank, id)| (*id, u32::try_from(rank).unwrap_or(u32::MAX)))
                    .collect(),
            ),
        }
    }
}

impl Order {
    pub(crate) fn new(ids: Vec<i64>, sorting: Sorting) -> Order {
        Order { ranks: Ranks::new(&ids), ids, sorting }
    }

    /// Whether (key a, id a) comes before (key b, id b) in this order.
    fn before(&self, a: (&str, i64), b: (&str, i64)) -> bool {
        if self.sorting.descending { a > b } else { a < b }
    }

    /// This order after the rows `changed` (sorted ids) were inserted, updated or deleted: they
    /// are taken out, and those still in the table go back in at their keys' places, each found
    /// by a binary search that reads the keys of the rows it probes (which did not change). A
    /// probed row that no longer exists means a write did not log it: an error, and the caller
    /// rebuilds the order.
    fn patched(&self, conn: &Connection, changed: &[i64]) -> Result<Order, StoreError> {
        let kept: Vec<i64> =
            self.ids.iter().copied().filter(|id| changed.binary_search(id).is_err()).collect();
        let mut stmt = conn.prepare_cached(self.sorting.key_of).map_err(map_err)?;
        let mut key = |id: i64| -> Result<Option<String>, StoreError> {
            let mut rows = stmt.query([id]).map_err(map_err)?;
            let Some(row) = rows.next().map_err(map_err)? else { return Ok(None) };
            let mut key = String::new();
            for i in 0..row.as_ref().column_count() {
                if i > 0 {
                    // NUL sorts first: comparing the joined key compares the columns in turn.
                    key.push('\0');
                }
                key.push_str(row.get_ref(i).map_err(map_err)?.as_str().map_err(|e| {
                    map_err(rusqlite::Error::FromSqlConversionFailure(
                        i,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    ))
                })?);
            }
            Ok(Some(key))
        };
        let mut inserts: Vec<(usize, String, i64)> = Vec::new();
        for &id in changed {
            let Some(new_key) = key(id)? else { continue };
            let (mut lo, mut hi) = (0, kept.len());
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                let probe = kept[mid];
                let probe_key = key(probe)?.ok_or(StoreError::NotFound)?;
                if self.before((&probe_key, probe), (&new_key, id)) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            inserts.push((lo, new_key, id));
        }
        inserts.sort_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| {
                let (x, y) = ((a.1.as_str(), a.2), (b.1.as_str(), b.2));
                if self.sorting.descending { y.cmp(&x) } else { x.cmp(&y) }
            })
        });
        let mut ids = Vec::with_capacity(kept.len() + inserts.len());
        let mut inserts = inserts.into_iter().peekable();
        for (position, id) in kept.iter().enumerate() {
            while let Some((_, _, new)) = inserts.next_if(|(p, _, _)| *p == position) {
                ids.push(new);
            }
            ids.push(*id);
        }
        ids.extend(inserts.map(|(_, _, new)| new));
        Ok(Order::new(ids, self.sorting.clone()))
    }

    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    fn rank(&self, id: i64) -> Option<u32> {
        match &self.ranks {
            Ranks::Dense { base, ranks } => usize::try_from(id - base)
                .ok()
                .and_then(|i| ranks.get(i))
                .copied()
                .filter(|r| *r != u32::MAX),
            Ranks::Sparse(map) => map.get(&id).copied(),
        }
    }

    /// The ids of one page of the whole table.
    pub(crate) fn page(&self, offset: usize, limit: usize) -> Vec<i64> {
        let start = offset.min(self.ids.len());
        let end = start.saturating_add(limit).min(self.ids.len());
        self.ids[start..end].to_vec()
    }

    /// The ids of one page of `ids` (any order; ids not in the table are left out), in this order.
    pub(crate) fn page_of(&self, ids: &[i64], offset: usize, limit: usize) -> Vec<i64> {
        let mut ranks: Vec<u32> = ids.iter().filter_map(|id| self.rank(*id)).collect();
        if offset >= ranks.len() || limit == 0 {
            return Vec::new();
        }
        // Two linear-time selections put the page's ranks in front, then only they are sorted.
        let mut rest = &mut ranks[..];
        if offset > 0 {
            rest.select_nth_unstable(offset);
            rest = &mut rest[offset..];
        }
        let take = limit.min(rest.len());
        if take < rest.len() {
            rest.select_nth_unstable(take);
        }
        let page = &mut rest[..take];
        page.sort_unstable();
        page.iter().map(|rank| self.ids[*rank as usize]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(order: &[i64], ids: &[i64], offset: usize, limit: usize) -> Vec<i64> {
        order.iter().filter(|id| ids.contains(id)).skip(offset).take(limit).copied().collect()
    }

    #[test]
    fn pages_of_sets_follow_the_order() {
        // A scrambled order over dense and sparse ids.
        for ids in [(1..=200).collect::<Vec<i64>>(), (1..=200).map(|i| i * 1_000_003).collect()] {
            let mut order = ids.clone();
            let mut state = 7u64;
            for i in (1..order.len()).rev() {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                order.swap(i, (state >> 33) as usize % (i + 1));
            }
            let sorting = Sorting {
                entity: "organization",
                all_ids: "",
                key_of: "",
                descending: false,
                table: "organizations o",
                order_by: "",
            };
            let o = Order::new(order.clone(), sorting);
            assert_eq!(o.len(), 200);
            assert_eq!(o.page(190, 25), order[190..].to_vec());
            assert!(o.page(500, 25).is_empty());
            let subset: Vec<i64> = ids.iter().copied().filter(|i| i % 3 != 0).collect();
            for (offset, limit) in [(0, 25), (0, 1000), (10, 7), (120, 25), (133, 25), (140, 5)] {
                assert_eq!(
                    o.page_of(&subset, offset, limit),
                    brute(&order, &subset, offset, limit)
                );
            }
            // Ids outside the table are ignored.
            assert_eq!(o.page_of(&[-5, ids[3]], 0, 10), vec![ids[3]]);
            assert!(o.page_of(&subset, 0, 0).is_empty());
        }
    }
}
