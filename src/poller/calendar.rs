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
        let mut at = wanted.max(earliest);
        let from = at.checked_sub(spacing).unwrap_or(at);
        for &(booked, _) in self.booked.range((from, 0)..) {
            if booked >= at + spacing {
                break;
            }
            if booked + spacing > at {
                at = booked + spacing;
            }
        }
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
        at
    }

    /// Frees a booking (the poll went out, or was booked again elsewhere).
    pub(super) fn cancel(&mut self, at: Instant, id: u64) {
        self.booked.remove(&(at, id));
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
}
