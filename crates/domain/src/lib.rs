//! Pure domain rules of yizhan (一站). No I/O, no async: everything here is a function of its inputs,
//! so it can be tested exhaustively and shared by the server, the CLI and the storage backends.

pub mod access;
pub mod audit;
pub mod calendar;
pub mod case;
pub mod catalog;
pub mod error;
pub mod feedback;
pub mod identity;
pub mod limits;
pub mod notices;
pub mod orders;
pub mod password;
pub mod record;
pub mod region;
pub mod second_factor;
pub mod sign_in;
pub mod supervision;
pub mod time;
pub mod wording;

pub use access::{Action, Grant, Role, Scope};
pub use calendar::WorkingCalendar;
pub use case::CaseNumber;
pub use catalog::{CatalogItem, ItemCode};
pub use error::{FieldError, ValidationErrors};
pub use region::{Level, Region, RegionCode};

/// Every enum whose word is stored or sent: the word (`as_str`, from strum) is the serde spelling,
/// and it reads back as the same variant. A rename on one side only fails here.
#[cfg(test)]
mod words {
    use crate::calendar::DayKind;
    use crate::case::{CaseState, DeliveryMethod, MaterialStatus, PaymentMethod, SpecialProcedure};
    use crate::feedback::{
        ComplaintKind, ComplaintStatus, ComplaintSubject, FollowUpStatus, RatingChannel,
        RatingLevel,
    };
    use crate::orders::{OrderAction, OrderStatus};
    use crate::region::PlaceKind;
    use crate::{Level, Role};

    fn check<T>(all: &[T])
    where
        T: Copy + PartialEq + std::fmt::Debug + serde::Serialize + std::str::FromStr,
        &'static str: From<T>,
    {
        for v in all {
            let word: &'static str = (*v).into();
            assert_eq!(serde_json::to_value(v).unwrap(), word, "{v:?}");
            assert_eq!(word.parse::<T>().ok(), Some(*v), "{word}");
        }
    }

    #[test]
    fn each_word_is_the_serde_spelling_and_reads_back() {
        check(&CaseState::ALL);
        check(&SpecialProcedure::ALL);
        check(&RatingLevel::ALL);
        check(&RatingChannel::ALL);
        check(&FollowUpStatus::ALL);
        check(&ComplaintKind::ALL);
        check(&ComplaintSubject::ALL);
        check(&ComplaintStatus::ALL);
        check(&Level::ALL);
        check(&Role::ALL);
        check(&OrderStatus::ALL);
        check(&[PlaceKind::Center, PlaceKind::Room]);
        check(&[DayKind::Holiday, DayKind::Workday]);
        check(&[
            PaymentMethod::Cash,
            PaymentMethod::Card,
            PaymentMethod::Online,
        ]);
        check(&[
            DeliveryMethod::Window,
            DeliveryMethod::Post,
            DeliveryMethod::Electronic,
            DeliveryMethod::Agent,
        ]);
        check(&[
            MaterialStatus::Pending,
            MaterialStatus::Received,
            MaterialStatus::Defective,
        ]);
        check(&[
            OrderAction::Reply,
            OrderAction::Close,
            OrderAction::Reopen,
            OrderAction::Escalate,
        ]);
    }
}
