//! One endpoint's booked polls: a time for each task's next request, every two at least one
//! request spacing apart.
//!
//! Owns only the set of booked times. Because no two bookings are closer than the budget lets
//! requests go out, the earliest-booked-first queue sends each one at its time (give or take
//! the spacing), so the time a booking returns is one the poller can tell its consumer and
//! keep. Knows nothing about tasks beyond an id, and never reads the clock.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug, Default)]
pub(super) struct Calendar {
    /// Booked times, with the id of the task that booked each.
    booked: BTreeSet<(Instant, u64)>,
    /// A stretch with no free time in it, learnt from the last searches.
    full: Option<Full>,
}

/// A stretch of the calendar in which every moment lies within `spacing` of a booking, so that a
/// search for a free time from inside it may start at its end.
///
/// When the budget is nearly all booked (200 tasks asking for what two endpoints can send, in
/// `cargo bench --bench polling -- cost`), the bookings run back to back up to the last one, and
/// each search walked all of them: about 1 % of `wait`'s instructions per request (callgrind).
/// Bookings only fill it further; a cancelled booking cuts off the stretch up to a spacing after
/// it (the part before it may still be full, but is no longer known to be).
#[derive(Debug, Clone, Copy)]
struct Full {
    from: Instant,
    to: Instant,
    spacing: Duration,
}

impl Full {
    fn holds(&self, at: Instant, spacing: Duration) -> bool {
        self.spacing == spacing && self.from <= at && at < self.to
    }
}

impl Calendar {
    /// Books the first time at or after `wanted` that is at least `spacing` from every other
    /// booking, and after the bookings already due by `now` have had their turn; if that is
    /// past `latest`, the last such time before it (when there is one).
    pub(super) fn book(
        &mut self,
        wanted: Instant,
        latest: Instant,
        now: Instant,
        spacing: Duration,
        id: u64,
    ) -> Instant {
        // Polls booked before now that have not gone out yet go first, one per spacing.
        let overdue = self.booked.range(..(now, 0)).count();
        #[expect(clippy::cast_possible_truncation, reason = "booking counts fit in u32")]
        let earliest = now + spacing * overdue as u32;
        let start = wanted.max(earliest);
        let mut at = match self.full {
            Some(full) if full.holds(start, spacing) => full.to,
            _ => start,
        };
        let from = at.checked_sub(spacing).unwrap_or(at);
        for &(booked, _) in self.booked.range((from, 0)..) {
            if booked >= at + spacing {
                break;
            }
            if booked + spacing > at {
                at = booked + spacing;
            }
        }
        // Every moment from `start` to `at` lies within a spacing of a booking.
        let free = at;
        if at > latest && latest >= earliest {
            let mut before = latest;
            for &(booked, _) in self.booked.range(..=(latest + spacing, u64::MAX)).rev() {
                if booked + spacing <= before {
                    break;
                }
                if booked < before + spacing {
                    before = booked.checked_sub(spacing).unwrap_or(booked);
                }
            }
            if before >= earliest {
                at = before;
            }
        }
        self.booked.insert((at, id));
        // A booking at the free time fills the spacing after it too.
        let to = if at == free { free + spacing } else { free };
        self.learn_full(Full { from: start, to, spacing });
        at
    }

    /// Frees a booking (the poll went out, or was booked again elsewhere).
    pub(super) fn cancel(&mut self, at: Instant, id: u64) {
        if !self.booked.remove(&(at, id)) {
            return;
        }
        // The moments within a spacing of it may be free now: keep only the full stretch after them.
        if let Some(full) = &mut self.full
            && at < full.to + full.spacing
            && at + full.spacing > full.from
        {
            full.from = full.from.max(at + full.spacing);
            if full.from >= full.to {
                self.full = None;
            }
        }
    }

    /// Remembers a stretch found full, joined to the one known if they meet.
    fn learn_full(&mut self, found: Full) {
        if found.from >= found.to {
            return;
        }
        self.full = Some(match self.full {
            Some(known) if known.spacing == found.spacing && known.from <= found.to && found.from <= known.to => {
                Full { from: known.from.min(found.from), to: known.to.max(found.to), spacing: found.spacing }
            }
            _ => found,
        });
    }

    /// Forgets what it learnt of full stretches, so that tests can compare it with a calendar
    /// that searches every time.
    #[cfg(test)]
    fn forget_full(&mut self) {
        self.full = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bookings_keep_a_spacing_apart_and_queue_behind_overdue_ones() {
        let t0 = Instant::now();
        let ms = |n: u64| Duration::from_millis(n);
        let mut calendar = Calendar::default();
        let far = t0 + ms(60_000);
        assert_eq!(calendar.book(t0 + ms(1000), far, t0, ms(100), 1), t0 + ms(1000));
        assert_eq!(calendar.book(t0 + ms(1050), far, t0, ms(100), 2), t0 + ms(1100), "after the first");
        assert_eq!(calendar.book(t0 + ms(950), far, t0, ms(100), 3), t0 + ms(1200), "no room before it either");
        assert_eq!(calendar.book(t0 + ms(500), far, t0, ms(100), 4), t0 + ms(500), "a gap earlier is used");
        calendar.cancel(t0 + ms(1100), 2);
        assert_eq!(calendar.book(t0 + ms(1100), far, t0, ms(100), 5), t0 + ms(1100), "freed");
        // Wanted at 1.05 s but due by 1.15 s: the last free time before it.
        assert_eq!(calendar.book(t0 + ms(1050), t0 + ms(1150), t0, ms(100), 7), t0 + ms(900));
        // At 2 s, the five bookings before it are overdue: a new one waits its turn.
        assert_eq!(calendar.book(t0 + ms(2000), far, t0 + ms(2000), ms(100), 6), t0 + ms(2500));
    }

    proptest::proptest! {
        /// Whatever the order of bookings and cancellations, a calendar that starts its searches
        /// at the end of a stretch it knows is full books the times one that searches every time
        /// books.
        #[test]
        fn knowing_full_stretches_changes_no_booking(
            steps in proptest::collection::vec((0u64..4000, 0u64..6000, 0u64..50, proptest::bool::weighted(0.3), 0usize..64, 0u8..8), 1..160),
        ) {
            let t0 = Instant::now();
            let ms = Duration::from_millis;
            let (mut fast, mut plain) = (Calendar::default(), Calendar::default());
            let mut booked: Vec<(Instant, u64)> = Vec::new();
            let mut now = t0;
            for (id, &(wanted, latest, advance, cancel, which, spacing)) in (0u64..).zip(&steps) {
                now += ms(advance);
                if cancel && !booked.is_empty() {
                    let (at, id) = booked.swap_remove(which % booked.len());
                    fast.cancel(at, id);
                    plain.cancel(at, id);
                    continue;
                }
                // Mostly one spacing, now and then another (the budget moved).
                let spacing = ms(if spacing == 0 { 35 } else { 20 });
                plain.forget_full();
                let (wanted, latest) = (now + ms(wanted), now + ms(latest));
                let at = fast.book(wanted, latest, now, spacing, id);
                proptest::prop_assert_eq!(at, plain.book(wanted, latest, now, spacing, id));
                booked.push((at, id));
            }
        }
    }
}
