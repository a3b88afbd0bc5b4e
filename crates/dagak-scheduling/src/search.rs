//! The primal side: greedy construction, then local search by insertion chains and ejections, then
//! iterated perturbation.
//!
//! Every accepted local-search move raises the total weight strictly: an unscheduled request is
//! inserted, possibly after moving the meetings in its way to other slots (a chain of relocations
//! up to `CHAIN_DEPTH` deep, the scheduling analogue of an augmenting path), or after ejecting
//! lighter meetings that are then offered the same chains. Perturbation rounds force one request
//! into a slot regardless of gain, repair around it, and keep the result when the total did not
//! drop (plateau moves let the search cross ties), undoing it through the state's journal
//! otherwise. Slots are tried cheapest first under the Lagrangian prices, which steer every request
//! towards the slots its participants contest least.
//!
//! Over 600 lines: construction, the chain moves and perturbation share the search state and its
//! journal, and are tuned together; the state itself is `state.rs`.

use crate::model::{Model, NONE};
use crate::state::State;

/// How deep a chain of relocations may go when a request is inserted.
const CHAIN_DEPTH: u32 = 2;

/// How many candidate checks one insertion attempt may spend at most, so that a dense instance
/// cannot make a single attempt explode.
const WORK_PER_ATTEMPT: u64 = 1_500;

/// How many candidate checks a pass over all requests may spend: on large instances the budget
/// per attempt shrinks so that a pass stays near-linear in the number of requests.
const WORK_PER_PASS: u64 = 6_000_000;

/// How many unscheduled requests near a perturbation are offered a repair.
const REPAIR_NEIGHBOURHOOD: usize = 24;

/// The search's working memory around the schedule.
pub(crate) struct Search<'a> {
    model: &'a Model,
    pub(crate) state: State,
    /// Candidate slots of each request, cheapest price first; same layout as the model's.
    ordered_candidates: Vec<u32>,
    /// Requests on the current chain, which must not be moved again by the same chain.
    in_chain: Vec<bool>,
    work_left: u64,
    rng: SplitMix64,
    /// For each request moved or ejected by an accepted move, the request whose insertion caused
    /// it (or `NONE`).
    pub(crate) cause: Vec<u32>,
    /// Tolerance below which a change of total weight counts as none.
    epsilon: f64,
    /// Heaviest-first order of the requests.
    by_weight: Vec<u32>,
    touched_stamp: Vec<u32>,
    stamp: u32,
    /// For each request whose last improvement attempt failed, a fingerprint of its participants'
    /// schedules at that moment: while they are unchanged, a new attempt is skipped.
    failed_fingerprint: Vec<u64>,
    work_per_attempt: u64,
}

impl<'a> Search<'a> {
    pub(crate) fn new(model: &'a Model, state: State, seed: u64) -> Search<'a> {
        let mut by_weight: Vec<u32> = (0..model.n_requests() as u32).collect();
        by_weight.sort_by(|&left, &right| {
            let (left, right) = (left as usize, right as usize);
            model.weight[right]
                .total_cmp(&model.weight[left])
                .then(model.candidates(left).len().cmp(&model.candidates(right).len()))
                .then(left.cmp(&right))
        });
        let max_weight = model.weight.iter().copied().fold(0.0, f64::max);
        Search {
            model,
            state,
            ordered_candidates: model.candidate_slots.clone(),
            in_chain: vec![false; model.n_requests()],
            work_left: 0,
            rng: SplitMix64(seed ^ 0x9e37_79b9_7f4a_7c15),
            cause: vec![NONE; model.n_requests()],
            epsilon: 1e-9 * max_weight.max(1.0),
            by_weight,
            touched_stamp: vec![0; model.n_participants],
            stamp: 0,
            failed_fingerprint: vec![0; model.n_requests()],
            work_per_attempt: (WORK_PER_PASS / (model.n_requests() as u64).max(1))
                .clamp(64, WORK_PER_ATTEMPT),
        }
    }

    /// Orders every request's candidate slots by `price(request, offset, slot)` (`offset` the
    /// slot's position in the model's candidate list), cheapest first (ties by slot index, so the
    /// order is deterministic).
    pub(crate) fn set_prices(&mut self, price: &dyn Fn(usize, usize, u32) -> f64) {
        let mut priced: Vec<(f64, u32)> = Vec::new();
        for request in 0..self.model.n_requests() {
            let range =
                self.model.candidate_start[request]..self.model.candidate_start[request + 1];
            priced.clear();
            priced.extend(
                self.model
                    .candidates(request)
                    .iter()
                    .enumerate()
                    .map(|(offset, &slot)| (price(request, offset, slot), slot)),
            );
            priced.sort_by(|left, right| left.0.total_cmp(&right.0).then(left.1.cmp(&right.1)));
            for (target, &(_, slot)) in self.ordered_candidates[range].iter_mut().zip(&priced) {
                *target = slot;
            }
        }
    }

    /// Orders the greedy and the local-search passes by `key`, largest first (ties by weight, then
    /// index).
    pub(crate) fn set_order(&mut self, key: &dyn Fn(usize) -> f64) {
        let model = self.model;
        let keys: Vec<f64> = (0..model.n_requests()).map(key).collect();
        self.by_weight.sort_by(|&left, &right| {
            let (left, right) = (left as usize, right as usize);
            keys[right]
                .total_cmp(&keys[left])
                .then(model.weight[right].total_cmp(&model.weight[left]))
                .then(left.cmp(&right))
        });
    }

    fn ordered(&self, request: usize) -> &[u32] {
        &self.ordered_candidates
            [self.model.candidate_start[request]..self.model.candidate_start[request + 1]]
    }

    fn is_movable(&self, request: u32) -> bool {
        !self.model.is_pinned(request as usize) && !self.in_chain[request as usize]
    }

    /// Greedy construction: heaviest request first, each into its cheapest free slot.
    pub(crate) fn greedy(&mut self) {
        for position in 0..self.by_weight.len() {
            let request = self.by_weight[position] as usize;
            if self.state.slot_of[request] != NONE || !self.state.has_room_for(self.model, request)
            {
                continue;
            }
            let free_slot = self
                .ordered(request)
                .iter()
                .copied()
                .find(|&slot| self.state.slot_is_free_for(self.model, request, slot));
            if let Some(slot) = free_slot {
                self.state.set(self.model, request, slot);
            }
        }
        self.state.clear_journal();
    }

    /// Puts the unscheduled `request` in some candidate slot, moving the meetings in the way along
    /// chains up to `depth` deep. Ignores the participants' maximum number of meetings (the caller
    /// checks it). Leaves the state unchanged when it fails.
    fn insert(&mut self, request: usize, depth: u32) -> bool {
        let model = self.model;
        let n_candidates = model.candidates(request).len();
        for index in 0..n_candidates {
            let slot = self.ordered(request)[index];
            if self.state.slot_is_free_for(model, request, slot) {
                self.state.set(model, request, slot);
                return true;
            }
        }
        self.work_left = self.work_left.saturating_sub(n_candidates as u64);
        if depth == 0 || self.work_left == 0 {
            return false;
        }
        self.in_chain[request] = true;
        let mut placed = false;
        for index in 0..n_candidates {
            if self.work_left == 0 {
                break;
            }
            self.work_left -= 1;
            let slot = self.ordered(request)[index];
            let blockers = self.blockers(request, slot);
            if blockers.iter().any(|&blocker| blocker != NONE && !self.is_movable(blocker)) {
                continue;
            }
            let mark = self.state.mark();
            for &blocker in &blockers {
                if blocker != NONE {
                    self.state.set(model, blocker as usize, NONE);
                }
            }
            if self.state.slot_is_full(model, slot) && !self.relocate_one_member(slot) {
                self.state.rollback(model, mark);
                continue;
            }
            self.state.set(model, request, slot);
            let all_placed = blockers
                .iter()
                .all(|&blocker| blocker == NONE || self.insert(blocker as usize, depth - 1));
            if all_placed {
                placed = true;
                break;
            }
            self.state.rollback(model, mark);
        }
        self.in_chain[request] = false;
        placed
    }

    /// Puts the unscheduled `request` in a slot where one of its participants is free and the other
    /// is busy, by swapping slots along a Kempe chain: the busy participant's meeting moves from
    /// slot `s1` to a slot `s2` where that participant is free, the meeting its partner holds in
    /// `s2` moves to `s1`, and so on until the chain ends (the alternating-path recolouring of
    /// Kempe 1879 and Vizing 1964). Leaves the state unchanged when it fails.
    fn insert_by_kempe_chain(&mut self, request: usize) -> bool {
        let model = self.model;
        let n_candidates = model.candidates(request).len();
        for index in 0..n_candidates {
            let first_slot = self.ordered(request)[index];
            if self.state.slot_is_full(model, first_slot) {
                continue;
            }
            let [blocker_a, blocker_b] = self.blockers(request, first_slot);
            if blocker_a == NONE || blocker_b != NONE || !self.is_movable(blocker_a) {
                continue;
            }
            let busy = if self.state.busy_with(model.participant_a[request], first_slot) != NONE {
                model.participant_a[request]
            } else {
                model.participant_b[request]
            };
            let n_second = model.candidates(blocker_a as usize).len();
            for second_index in 0..n_second {
                if self.work_left == 0 {
                    return false;
                }
                let second_slot = self.ordered(blocker_a as usize)[second_index];
                if second_slot == first_slot || self.state.busy_with(busy, second_slot) != NONE {
                    continue;
                }
                let mark = self.state.mark();
                if self.swap_along_chain(busy, first_slot, second_slot)
                    && self.state.slot_is_free_for(model, request, first_slot)
                {
                    self.state.set(model, request, first_slot);
                    return true;
                }
                self.state.rollback(model, mark);
            }
        }
        false
    }

    /// Swaps slots `from` and `to` along the chain of meetings that starts with the meeting of
    /// `participant` in `from`. Returns false (the caller rolls back) when a meeting on the chain
    /// cannot move or a slot would exceed its tables.
    fn swap_along_chain(&mut self, participant: u32, from: u32, to: u32) -> bool {
        let model = self.model;
        let mut chain: Vec<(u32, u32)> = Vec::new();
        let mut current_participant = participant;
        let (mut source, mut target) = (from, to);
        loop {
            let meeting = self.state.busy_with(current_participant, source);
            if meeting == NONE {
                break;
            }
            self.work_left = self.work_left.saturating_sub(1);
            let movable = self.is_movable(meeting)
                && model.candidates(meeting as usize).binary_search(&target).is_ok()
                && !chain.iter().any(|&(seen, _)| seen == meeting);
            if !movable || chain.len() >= 64 || self.work_left == 0 {
                return false;
            }
            chain.push((meeting, target));
            let other_a = model.participant_a[meeting as usize];
            current_participant = if other_a == current_participant {
                model.participant_b[meeting as usize]
            } else {
                other_a
            };
            std::mem::swap(&mut source, &mut target);
        }
        for &(meeting, _) in &chain {
            self.state.set(model, meeting as usize, NONE);
        }
        for &(meeting, slot) in &chain {
            if !self.state.slot_is_free_for(model, meeting as usize, slot) {
                return false;
            }
            self.state.set(model, meeting as usize, slot);
        }
        true
    }

    /// The meetings the two participants of `request` hold in `slot` (each `NONE` when free, and
    /// the second `NONE` when both are the same meeting).
    fn blockers(&self, request: usize, slot: u32) -> [u32; 2] {
        let blocker_a = self.state.busy_with(self.model.participant_a[request], slot);
        let blocker_b = self.state.busy_with(self.model.participant_b[request], slot);
        if blocker_b == blocker_a { [blocker_a, NONE] } else { [blocker_a, blocker_b] }
    }

    /// Frees a table in the full `slot` by moving one of its meetings straight to another free slot.
    fn relocate_one_member(&mut self, slot: u32) -> bool {
        let model = self.model;
        let n_members = self.state.members(slot).len();
        for member_index in 0..n_members {
            let member = self.state.members(slot)[member_index];
            if !self.is_movable(member) {
                continue;
            }
            let n_candidates = model.candidates(member as usize).len();
            if self.work_left < n_candidates as u64 {
                return false;
            }
            self.work_left -= n_candidates as u64;
            for index in 0..n_candidates {
                let target = self.ordered(member as usize)[index];
                if target != slot && self.state.slot_is_free_for(model, member as usize, target) {
                    self.state.set(model, member as usize, target);
                    return true;
                }
            }
        }
        false
    }

    /// The lightest movable meeting of `participant` other than those in `exclude`, or `NONE`.
    fn lightest_meeting_of(&self, participant: u32, exclude: &[u32]) -> u32 {
        let mut lightest = NONE;
        for slot in 0..self.model.n_slots as u32 {
            let request = self.state.busy_with(participant, slot);
            if request == NONE || !self.is_movable(request) || exclude.contains(&request) {
                continue;
            }
            if lightest == NONE
                || self.model.weight[request as usize] < self.model.weight[lightest as usize]
            {
                lightest = request;
            }
        }
        lightest
    }

    /// The lightest movable meeting held in `slot`, or `NONE`.
    fn lightest_member(&self, slot: u32) -> u32 {
        let mut lightest = NONE;
        for &member in self.state.members(slot) {
            if self.is_movable(member)
                && (lightest == NONE
                    || self.model.weight[member as usize] < self.model.weight[lightest as usize])
            {
                lightest = member;
            }
        }
        lightest
    }

    /// Puts the unscheduled `request` in `slot` by taking out whatever is in the way (the meetings
    /// of its participants there, a meeting of a full slot, a meeting of a participant at its
    /// maximum), then offers the ejected meetings the insertion chains. Returns false, with the
    /// state unchanged, when something in the way cannot move or when `max_loss` is exceeded.
    fn force_into(&mut self, request: usize, slot: u32, max_loss: f64) -> bool {
        let model = self.model;
        let mark = self.state.mark();
        let mut ejected: Vec<u32> = Vec::with_capacity(4);
        for blocker in self.blockers(request, slot) {
            if blocker == NONE {
                continue;
            }
            if !self.is_movable(blocker) {
                return false;
            }
            ejected.push(blocker);
        }
        let mut loss: f64 = ejected.iter().map(|&ejectee| model.weight[ejectee as usize]).sum();
        if loss > max_loss {
            return false;
        }
        for &ejectee in &ejected {
            self.state.set(model, ejectee as usize, NONE);
        }
        if self.state.slot_is_full(model, slot) && !self.relocate_one_member(slot) {
            let lightest = self.lightest_member(slot);
            if lightest == NONE {
                self.state.rollback(model, mark);
                return false;
            }
            loss += model.weight[lightest as usize];
            self.state.set(model, lightest as usize, NONE);
            ejected.push(lightest);
        }
        for participant in [model.participant_a[request], model.participant_b[request]] {
            if self.state.meetings_of[participant as usize]
                >= model.max_meetings[participant as usize]
            {
                let lightest = self.lightest_meeting_of(participant, &ejected);
                if lightest == NONE {
                    self.state.rollback(model, mark);
                    return false;
                }
                loss += model.weight[lightest as usize];
                self.state.set(model, lightest as usize, NONE);
                ejected.push(lightest);
            }
        }
        if loss > max_loss {
            self.state.rollback(model, mark);
            return false;
        }
        self.state.set(model, request, slot);
        ejected.sort_by(|&left, &right| {
            model.weight[right as usize].total_cmp(&model.weight[left as usize])
        });
        self.in_chain[request] = true;
        for &ejectee in &ejected {
            if self.state.has_room_for(model, ejectee as usize) {
                self.insert(ejectee as usize, CHAIN_DEPTH);
            }
        }
        for &ejectee in &ejected {
            if self.state.slot_of[ejectee as usize] == NONE {
                self.fill_hole_left_by(request, ejectee as usize);
            }
        }
        self.in_chain[request] = false;
        true
    }

    /// After `ejectee` was taken out to make room for `request`, its participant outside `request`
    /// has a free slot: offers it to that participant's heaviest unscheduled requests (the next
    /// link of an alternating ejection chain, as in weighted matching).
    fn fill_hole_left_by(&mut self, request: usize, ejectee: usize) {
        const TRIES: usize = 6;
        let model = self.model;
        let own = [model.participant_a[request], model.participant_b[request]];
        for participant in [model.participant_a[ejectee], model.participant_b[ejectee]] {
            if own.contains(&participant) {
                continue;
            }
            let mut waiting: Vec<u32> = model
                .requests_of_participant(participant as usize)
                .iter()
                .copied()
                .filter(|&other| {
                    self.state.slot_of[other as usize] == NONE
                        && other as usize != ejectee
                        && !model.candidates(other as usize).is_empty()
                })
                .collect();
            waiting.sort_by(|&left, &right| {
                model.weight[right as usize]
                    .total_cmp(&model.weight[left as usize])
                    .then(left.cmp(&right))
            });
            for other in waiting.into_iter().take(TRIES) {
                if self.work_left == 0 {
                    return;
                }
                if self.state.has_room_for(model, other as usize) && self.insert(other as usize, 1)
                {
                    break;
                }
            }
        }
    }

    /// Tries to raise the total by bringing the unscheduled `request` in. Returns whether it did.
    fn try_improve(&mut self, request: usize) -> bool {
        let model = self.model;
        if model.candidates(request).is_empty() || self.state.slot_of[request] != NONE {
            return false;
        }
        let mark = self.state.mark();
        let total_before = self.state.total;
        self.work_left = self.work_per_attempt;
        if self.state.has_room_for(model, request)
            && (self.insert(request, CHAIN_DEPTH) || self.insert_by_kempe_chain(request))
        {
            self.note_causes(request, mark);
            return true;
        }
        let weight = model.weight[request];
        self.work_left = self.work_per_attempt;
        for index in 0..model.candidates(request).len() {
            if self.work_left == 0 {
                break;
            }
            self.work_left = self.work_left.saturating_sub(4);
            let slot = self.ordered(request)[index];
            if !self.force_into(request, slot, weight - self.epsilon) {
                continue;
            }
            if self.state.total > total_before + self.epsilon {
                self.note_causes(request, mark);
                return true;
            }
            self.state.rollback(model, mark);
            self.state.total = total_before;
        }
        false
    }

    fn note_causes(&mut self, request: usize, mark: usize) {
        let changes: Vec<u32> =
            self.state.changes_since(mark).iter().map(|&(changed, _)| changed).collect();
        for changed in changes {
            if changed as usize != request {
                self.cause[changed as usize] = request as u32;
            }
        }
    }

    /// A fingerprint of the schedules of the participants of `request` (FNV-1a over the meetings
    /// they hold in its candidate slots, and whether those slots are full).
    fn fingerprint(&self, request: usize) -> u64 {
        let model = self.model;
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut mix = |value: u64| {
            hash ^= value;
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        };
        for &slot in model.candidates(request) {
            mix(u64::from(self.state.busy_with(model.participant_a[request], slot)));
            mix(u64::from(self.state.busy_with(model.participant_b[request], slot)));
            mix(u64::from(self.state.slot_is_full(model, slot)));
        }
        mix(u64::from(self.state.meetings_of[model.participant_a[request] as usize]));
        mix(u64::from(self.state.meetings_of[model.participant_b[request] as usize]));
        hash | 1
    }

    /// `try_improve`, skipped when an earlier attempt failed and nothing changed around the request.
    fn try_improve_unless_unchanged(&mut self, request: usize) -> bool {
        let fingerprint = self.fingerprint(request);
        if self.failed_fingerprint[request] == fingerprint {
            return false;
        }
        if self.try_improve(request) {
            self.failed_fingerprint[request] = 0;
            true
        } else {
            self.failed_fingerprint[request] = fingerprint;
            false
        }
    }

    /// Local search to a local optimum: passes over the unscheduled requests, heaviest first, until
    /// a pass improves nothing or `should_stop` says so.
    pub(crate) fn local_search(&mut self, should_stop: &dyn Fn() -> bool) {
        loop {
            let mut improved = false;
            for position in 0..self.by_weight.len() {
                if position % 256 == 0 && should_stop() {
                    return;
                }
                let request = self.by_weight[position] as usize;
                if self.state.slot_of[request] == NONE && self.try_improve_unless_unchanged(request)
                {
                    improved = true;
                }
            }
            self.state.clear_journal();
            if !improved {
                return;
            }
        }
    }

    /// One perturbation round: forces a random unscheduled request into a random candidate slot,
    /// repairs the neighbourhood, and keeps the result when the total did not drop (or, with
    /// `strict`, only when it rose). Returns whether the total rose.
    pub(crate) fn perturb(&mut self, strict: bool) -> bool {
        let model = self.model;
        let Some(request) = self.random_unscheduled() else {
            return false;
        };
        let n_candidates = model.candidates(request).len();
        let choice = self.rng.below(n_candidates.min(3));
        let slot = self.ordered(request)[choice];
        let mark = self.state.mark();
        let total_before = self.state.total;
        self.work_left = self.work_per_attempt;
        if !self.force_into(request, slot, f64::INFINITY) {
            return false;
        }
        self.repair_around(mark);
        let total_after = self.state.total;
        let accept = if strict {
            total_after > total_before + self.epsilon
        } else {
            total_after >= total_before - self.epsilon
        };
        if accept {
            self.note_causes(request, mark);
            self.state.clear_journal();
        } else {
            self.state.rollback(model, mark);
            self.state.total = total_before;
        }
        total_after > total_before + self.epsilon && accept
    }

    /// A random unscheduled, unpinned request with candidate slots, biased towards heavy ones.
    fn random_unscheduled(&mut self) -> Option<usize> {
        let n_requests = self.model.n_requests();
        if n_requests == 0 {
            return None;
        }
        let mut chosen: Option<usize> = None;
        for _ in 0..16 {
            let request = self.rng.below(n_requests);
            if self.state.slot_of[request] != NONE
                || self.model.is_pinned(request)
                || self.model.candidates(request).is_empty()
            {
                continue;
            }
            chosen = match chosen {
                Some(previous) if self.model.weight[previous] >= self.model.weight[request] => {
                    Some(previous)
                }
                _ => Some(request),
            };
            if self.rng.below(2) == 0 {
                break;
            }
        }
        chosen
    }

    /// Offers the unscheduled requests of every participant touched since `mark` a chance to come
    /// back in, heaviest first.
    fn repair_around(&mut self, mark: usize) {
        let model = self.model;
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.touched_stamp.fill(0);
            self.stamp = 1;
        }
        let mut neighbours: Vec<u32> = Vec::new();
        let changes: Vec<u32> =
            self.state.changes_since(mark).iter().map(|&(changed, _)| changed).collect();
        for changed in changes {
            for participant in
                [model.participant_a[changed as usize], model.participant_b[changed as usize]]
            {
                if self.touched_stamp[participant as usize] == self.stamp {
                    continue;
                }
                self.touched_stamp[participant as usize] = self.stamp;
                for &neighbour in model.requests_of_participant(participant as usize) {
                    if self.state.slot_of[neighbour as usize] == NONE {
                        neighbours.push(neighbour);
                    }
                }
            }
        }
        neighbours.sort_by(|&left, &right| {
            model.weight[right as usize]
                .total_cmp(&model.weight[left as usize])
                .then(left.cmp(&right))
        });
        neighbours.dedup();
        for neighbour in neighbours.into_iter().take(REPAIR_NEIGHBOURHOOD) {
            self.try_improve_unless_unchanged(neighbour as usize);
        }
    }

    /// Moves every meeting whose preferred slot (`preferred[request]`) is free for it back there.
    /// Used after a reschedule so that no meeting moves without need.
    pub(crate) fn restore_preferred(&mut self, preferred: &[u32]) {
        let model = self.model;
        for (request, &slot) in preferred.iter().enumerate() {
            let current = self.state.slot_of[request];
            if slot == NONE || current == NONE || current == slot || model.is_pinned(request) {
                continue;
            }
            if self.state.slot_is_free_for(model, request, slot) {
                self.state.set(model, request, slot);
                self.cause[request] = NONE;
            }
        }
        self.state.clear_journal();
    }
}

/// Vigna's SplitMix64 generator: small, fast and deterministic for a given seed.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        mixed ^ (mixed >> 31)
    }

    /// A number in `0..bound` (`bound` ≥ 1).
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

/// The plain greedy-by-weight schedule's total, the baseline the engine is compared against: the
/// heaviest request first, each into its earliest free slot.
pub(crate) fn greedy_by_weight_total(model: &Model, pinned_state: &State) -> f64 {
    let mut state = State::new(model);
    for request in 0..model.n_requests() {
        let slot = pinned_state.slot_of[request];
        if slot != NONE {
            state.set(model, request, slot);
        }
    }
    let mut search = Search::new(model, state, 0);
    search.greedy();
    search.state.total
}
