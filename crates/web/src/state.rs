//! The web layer's state is the use cases' [`app::Services`]; the names the web layer has always
//! used for them stay.

pub use app::services::{default_synonyms, RULES_SETTING, SYNONYMS_SETTING};
pub use app::{
    Caches, Clock, LogNotifier, ManualClock, Notifier, OffsetClock, Services as AppState,
    Settings as Config, SystemClock,
};
