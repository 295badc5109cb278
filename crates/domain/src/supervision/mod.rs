//! Electronic supervision (电子监察, §10), the pure part: early warnings (预警) from a case's
//! deadlines, violations (纠错) detected from a case's event log, and performance evaluation
//! (绩效评估) of the units that handle cases.
//!
//! Everything here is a function of the case, its log, the day and the working calendar. Storing
//! warnings (raised exactly once), supervision orders (督办单) and live monitoring build on it.
//!
//! Time is counted in working days (art. 82) with [`WorkingCalendar`](crate::calendar::WorkingCalendar): "days left" is
//! [`working_days_left`](crate::calendar::WorkingCalendar::working_days_left) (0 on the due day itself), and a deadline is overdue from the
//! day after its due date. Time spent in a special procedure (art. 45) is not counted.
//!
//! One file per part: `warnings`, `violations`, `evaluation` and `deadline_rows`.

mod deadline_rows;
mod evaluation;
mod violations;
mod warnings;
pub use deadline_rows::*;
pub use evaluation::*;
pub use violations::*;
pub use warnings::*;

#[cfg(test)]
mod tests;
