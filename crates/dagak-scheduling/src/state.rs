//! A schedule under construction, with the occupancy tables that make every feasibility check O(1)
//! and a journal that lets a tentative sequence of changes be undone.

use crate::model::{Model, NONE};

/// Where every request is, who is busy when, and how full every slot is.
#[derive(Clone)]
pub(crate) struct State {
    n_slots: usize,
    /// The slot of each request, or `NONE`.
    pub(crate) slot_of: Vec<u32>,
    /// `busy[p * n_slots + s]`: the request participant `p` holds in slot `s`, or `NONE`.
    busy: Vec<u32>,
    /// The requests held in each slot, in no particular order.
    slot_members: Vec<Vec<u32>>,
    /// The position of each held request in its slot's member list.
    position_in_slot: Vec<u32>,
    /// How many meetings each participant holds.
    pub(crate) meetings_of: Vec<u32>,
    /// The total weight held (kept incrementally; recomputed exactly for the output).
    pub(crate) total: f64,
    /// `(request, previous slot)` for every change since the journal was last cleared.
    journal: Vec<(u32, u32)>,
}

impl State {
    pub(crate) fn new(model: &Model) -> State {
        State {
            n_slots: model.n_slots,
            slot_of: vec![NONE; model.n_requests()],
            busy: vec![NONE; model.n_slots * model.n_participants],
            slot_members: vec![Vec::new(); model.n_slots],
            position_in_slot: vec![NONE; model.n_requests()],
            meetings_of: vec![0; model.n_participants],
            total: 0.0,
            journal: Vec::new(),
        }
    }

    /// The request participant `participant` holds in `slot`, or `NONE`.
    pub(crate) fn busy_with(&self, participant: u32, slot: u32) -> u32 {
        self.busy[participant as usize * self.n_slots + slot as usize]
    }

    pub(crate) fn members(&self, slot: u32) -> &[u32] {
        &self.slot_members[slot as usize]
    }

    pub(crate) fn slot_is_full(&self, model: &Model, slot: u32) -> bool {
        self.slot_members[slot as usize].len() as u64 >= u64::from(model.tables[slot as usize])
    }

    /// Whether request `request` (not held in `slot`) can be put in `slot` without moving anything,
    /// ignoring the participants' maximum number of meetings.
    pub(crate) fn slot_is_free_for(&self, model: &Model, request: usize, slot: u32) -> bool {
        self.busy_with(model.participant_a[request], slot) == NONE
            && self.busy_with(model.participant_b[request], slot) == NONE
            && !self.slot_is_full(model, slot)
    }

    /// Whether both participants of an unscheduled request may take one more meeting.
    pub(crate) fn has_room_for(&self, model: &Model, request: usize) -> bool {
        let participant_a = model.participant_a[request] as usize;
        let participant_b = model.participant_b[request] as usize;
        self.meetings_of[participant_a] < model.max_meetings[participant_a]
            && self.meetings_of[participant_b] < model.max_meetings[participant_b]
    }

    /// Puts `request` in `slot` (or takes it out with `NONE`), recording the change in the journal.
    /// The caller has checked feasibility.
    pub(crate) fn set(&mut self, model: &Model, request: usize, slot: u32) {
        let old_slot = self.slot_of[request];
        if old_slot == slot {
            return;
        }
        self.journal.push((request as u32, old_slot));
        self.apply(model, request, slot);
    }

    fn apply(&mut self, model: &Model, request: usize, slot: u32) {
        let old_slot = self.slot_of[request];
        let participant_a = model.participant_a[request] as usize;
        let participant_b = model.participant_b[request] as usize;
        if old_slot != NONE {
            self.busy[participant_a * self.n_slots + old_slot as usize] = NONE;
            self.busy[participant_b * self.n_slots + old_slot as usize] = NONE;
            let members = &mut self.slot_members[old_slot as usize];
            let position = self.position_in_slot[request] as usize;
            members.swap_remove(position);
            if let Some(&moved) = members.get(position) {
                self.position_in_slot[moved as usize] = position as u32;
            }
            self.position_in_slot[request] = NONE;
        }
        if slot != NONE {
            self.busy[participant_a * self.n_slots + slot as usize] = request as u32;
            self.busy[participant_b * self.n_slots + slot as usize] = request as u32;
            let members = &mut self.slot_members[slot as usize];
            self.position_in_slot[request] = members.len() as u32;
            members.push(request as u32);
        }
        match (old_slot == NONE, slot == NONE) {
            (true, false) => {
                self.meetings_of[participant_a] += 1;
                self.meetings_of[participant_b] += 1;
                self.total += model.weight[request];
            }
            (false, true) => {
                self.meetings_of[participant_a] -= 1;
                self.meetings_of[participant_b] -= 1;
                self.total -= model.weight[request];
            }
            _ => {}
        }
        self.slot_of[request] = slot;
    }

    /// A mark to roll back to.
    pub(crate) fn mark(&self) -> usize {
        self.journal.len()
    }

    /// Undoes every change since `mark`, newest first.
    pub(crate) fn rollback(&mut self, model: &Model, mark: usize) {
        while self.journal.len() > mark {
            if let Some((request, old_slot)) = self.journal.pop() {
                self.apply(model, request as usize, old_slot);
            }
        }
    }

    /// The changes since `mark`, oldest first.
    pub(crate) fn changes_since(&self, mark: usize) -> &[(u32, u32)] {
        &self.journal[mark..]
    }

    /// Forgets the journal (the changes stay).
    pub(crate) fn clear_journal(&mut self) {
        self.journal.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::compile;
    use crate::problem::{Participant, Request, ScheduleProblem, Slot};

    fn two_meetings_one_table() -> Model {
        let everywhere = Participant { available: vec![0, 1], ..Participant::default() };
        let problem = ScheduleProblem {
            slots: vec![Slot { tables: Some(1) }, Slot { tables: None }],
            participants: vec![everywhere.clone(), everywhere.clone(), everywhere],
            requests: vec![
                Request { participant_a: 0, participant_b: 1, weight: 3.0 },
                Request { participant_a: 1, participant_b: 2, weight: 4.0 },
            ],
        };
        compile(&problem, &[]).unwrap()
    }

    #[test]
    fn a_rollback_restores_occupancy_tables_and_totals() {
        let model = two_meetings_one_table();
        let mut state = State::new(&model);
        state.set(&model, 0, 0);
        let mark = state.mark();
        assert!(state.slot_is_full(&model, 0));
        assert!(!state.slot_is_free_for(&model, 1, 0));
        state.set(&model, 0, 1);
        state.set(&model, 1, 0);
        assert_eq!(state.total, 7.0);
        assert_eq!(state.meetings_of, vec![1, 2, 1]);
        state.rollback(&model, mark);
        assert_eq!(state.slot_of, vec![0, NONE]);
        assert_eq!(state.busy_with(1, 0), 0);
        assert_eq!(state.busy_with(1, 1), NONE);
        assert_eq!(state.members(0), &[0]);
        assert_eq!(state.total, 3.0);
        assert_eq!(state.meetings_of, vec![1, 1, 0]);
    }
}
