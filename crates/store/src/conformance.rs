//! The conformance suite: one story per storage capability, run against every backend through
//! [`conformance_tests!`](crate::conformance_tests). Each function takes a fresh, migrated, empty store.
//!
//! The stories are the behavioural contract of the traits in this crate: where a doc comment leaves
//! a choice open (ordering, upsert or conflict), the story pins it so both backends agree.

use crate::{
    listing, CaseFilter, CaseStore, CaseSummary, Closure, CountBy, ImportSummary, ItemFilter,
    Message, NewUser, OrderEntry, OrderStatus, OutcomeRecord, PeriodFigure, PublishedResult,
    ScanCounts, Session, SideEffects, Store, StoreError, SupervisionChange, SupervisionOrder,
    WarningRecord,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::access::{Grant, Role, Scope};
use domain::calendar::{CalendarDay, DayKind, WorkingCalendar};
use domain::case::{
    self, ActorRef, Applicant, ApplicantKind, Case, CaseEvent, CaseState, Channel, EventKind,
    Filing, ItemTerms, MaterialStatus,
};
use domain::catalog::{
    CatalogItem, Fee, ItemKind, ItemStatus, ItemType, Material, MaterialForm, OnlineLevel,
    ServiceObject, Stage,
};
use domain::region::{
    ConstructionCheck, Department, Level, PlaceKind, Region, RegionCode, ServicePlace,
    ServiceWindow,
};
use domain::supervision::DeadlineRow;

pub use crate::vault::test_suite;

mod calendar;
mod case_lists;
mod cases;
mod catalog;
mod credentials;
mod feedback;
mod fees;
mod fixtures;
mod network;
mod outcomes;
mod supervision;
pub use calendar::*;
pub use case_lists::*;
pub use cases::*;
pub use catalog::*;
pub use credentials::*;
pub use feedback::*;
pub use fees::*;
pub use fixtures::*;
pub use network::*;
pub use outcomes::*;
pub use supervision::*;

/// Expands to one `#[tokio::test]` per story. `$make` is an expression whose `.await` yields a
/// fresh, migrated, empty store; it is evaluated once per test. With `optional:` it yields an
/// `Option` of one, and a story whose store is `None` (no server to test against) returns at once.
#[macro_export]
macro_rules! conformance_tests {
    (optional: $make:expr) => {
        $crate::conformance_tests!(@list [optional] $make);
    };
    ($make:expr) => {
        $crate::conformance_tests!(@list [plain] $make);
    };
    (@list [$mode:ident] $make:expr) => {
        $crate::conformance_tests!(@each [$mode] $make;
            regions_by_scope,
            region_children,
            places_round_trip,
            place_needs_region,
            departments_unique_per_region,
            users_create_and_find,
            username_taken_is_conflict,
            user_grants_round_trip,
            users_listed_by_scope,
            login_failures_and_lock,
            user_active_and_password,
            sessions_expire,
            sessions_delete_and_purge,
            attempts_count_lock_and_start_again,
            parallel_attempts_never_share_a_count,
            password_state_and_reset_codes,
            sessions_listed_and_touched,
            account_changes_move_the_accounts_versions,
            second_factor_enrolment_steps_and_recovery_codes,
            catalog_draft_round_trip,
            catalog_draft_replaced,
            catalog_published_is_frozen,
            catalog_publish_supersedes,
            catalog_versions_oldest_first,
            catalog_list_items_filters,
            catalog_import_all_or_nothing,
            catalog_import_summary,
            calendar_replaces_only_given_years,
            closures_affect_subtree_not_siblings,
            settings_round_trip,
            cache_versions_follow_their_tables,
            schema_is_described,
            counters_count_from_one,
            counters_unique_under_concurrency,
            case_round_trip,
            cases_found_by_id_number,
            case_append_checks_version,
            case_idempotency_keys,
            case_transition_commits_side_effects_together,
            case_import_all_or_nothing,
            fee_ledger_lines_and_void_receipts,
            cases_listed_by_filter,
            cases_counted_by_item,
            violations_listed_by_scope_period_and_rule,
            case_list_scoped_pages,
            case_period_figures,
            case_numbers_page,
            case_messages,
            case_results_published,
            supervision_deadline_rows,
            supervision_warning_raised_once,
            supervision_scan_from_rows,
            supervision_clear_warnings_except,
            supervision_warnings_listed_red_first,
            supervision_counts_follow_cases,
            supervision_lease,
            supervision_outcomes_by_period,
            supervision_orders,
            feedback_rating_once_per_channel,
            feedback_ratings_listed_by_scope,
            feedback_follow_ups_saved_by_version,
            feedback_complaints,
        );
    };
    (@each [plain] $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let store = $make.await;
                $crate::conformance::$name(&store).await;
            }
        )*
    };
    (@each [optional] $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let Some(store) = $make.await else { return };
                $crate::conformance::$name(&store).await;
            }
        )*
    };
}
